"""The terminal protocol v1.3 as data: its 21 endpoints and its status codes with operator text.

Shared by the client (`terminal.client`) and the simulator, which must each encode and decode
the wire on their own; only the table of names and numbers is common.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

DEFAULT_PORT = 8088
DEFAULT_KEY = "abc"
UNLIMITED_PASSES = 10000
UNLIMITED_TS = -1.0
MAX_PERSONS = 10000
MAX_KEY_BYTES = 20
PHOTO_WIDTH = 640
PHOTO_HEIGHT = 480
RECORD_PAGE_CAP = (
    50  # the firmware returns at most 50 records per listRecord, whatever `count` says
)


class Method(enum.Flag):
    """HTTP methods an endpoint accepts."""

    GET = enum.auto()
    POST = enum.auto()
    BOTH = GET | POST


@dataclass(frozen=True)
class Endpoint:
    """One URI of the protocol: its name, accepted methods and how a client should treat it."""

    uri: str
    method: Method
    idempotent: bool  # safe to retry after a timeout or a dropped connection
    carries_photo: bool = False  # photo work is serialised per terminal and gets a long timeout

    @property
    def path(self) -> str:
        return "/" + self.uri

    @property
    def client_method(self) -> str:
        """The method a client sends: GET for reads, POST for everything else."""
        return "GET" if self.method is Method.GET else "POST"


def _table(*endpoints: Endpoint) -> dict[str, Endpoint]:
    return {e.uri: e for e in endpoints}


ENDPOINTS: dict[str, Endpoint] = _table(
    Endpoint("setDeviceKey", Method.POST, idempotent=False),
    Endpoint("setDeviceInfo", Method.POST, idempotent=True),
    Endpoint("getDeviceInfo", Method.GET, idempotent=True),
    Endpoint("setTime", Method.POST, idempotent=True),
    Endpoint("getTime", Method.GET, idempotent=True),
    Endpoint("setPerson", Method.POST, idempotent=True, carries_photo=True),
    Endpoint("getPerson", Method.GET, idempotent=True),
    Endpoint("listPerson", Method.GET, idempotent=True),
    Endpoint("removePerson", Method.POST, idempotent=True),
    Endpoint("listRecord", Method.GET, idempotent=True),
    Endpoint("removeRecord", Method.POST, idempotent=True),
    Endpoint("setRecordCallback", Method.POST, idempotent=True),
    Endpoint("getRecordCallback", Method.GET, idempotent=True),
    Endpoint("reboot", Method.BOTH, idempotent=False),
    Endpoint("open", Method.BOTH, idempotent=False),
    Endpoint("setHeartBeat", Method.POST, idempotent=True),
    Endpoint("getHeartBeat", Method.GET, idempotent=True),
    Endpoint("updateAPK", Method.POST, idempotent=False),
    Endpoint("check", Method.POST, idempotent=True, carries_photo=True),
    Endpoint("photo", Method.POST, idempotent=False, carries_photo=True),
    Endpoint("reset", Method.POST, idempotent=False),
)

# Undocumented endpoints the v1.3 firmware routes (wire-format.md, "Other endpoints").
EXTRA_ENDPOINTS: dict[str, Endpoint] = _table(
    Endpoint("setPassConfig", Method.POST, idempotent=True),
    Endpoint("getPassConfig", Method.GET, idempotent=True),
    Endpoint("setVisitorConfig", Method.POST, idempotent=True),
    Endpoint("getVisitorConfig", Method.GET, idempotent=True),
)


class StatusCode(enum.IntEnum):
    """Every status the protocol document lists, plus the firmware's undocumented 129."""

    SUCCESS = 0
    UNKNOWN_ERROR = 1
    CLIENT_ERROR = 100
    MISSING_PARAMETER = 101
    PARAMETER_ERROR = 102
    KEY_REJECTED = 103
    PHOTO_SAVE_FAILED = 104
    PHOTO_SIZE_WRONG = 105
    NO_FACE = 106
    PASS_COUNT_FORMAT = 107
    PASS_COUNT_RANGE = 108
    START_TS_FORMAT = 109
    START_TS_RANGE = 110
    END_TS_FORMAT = 111
    END_TS_RANGE = 112
    ID_FACE_RATE_FORMAT = 113
    ID_FACE_RATE_RANGE = 114
    FACE_RATE_FORMAT = 115
    FACE_RATE_RANGE = 116
    PASS_FIELD_FORMAT = 117
    PASS_FIELD_RANGE = 118
    PASS_TYPE_FORMAT = 119
    PASS_TYPE_RANGE = 120
    PERIOD_RANGE = 121
    URL_FORMAT = 122
    PHOTO_BUSY = 123
    PHOTO_FORMAT = 124
    FEATURES_FAILED = 125
    PERSON_NOT_FOUND = 126
    PHOTO_UNPARSABLE = 127
    TERMINAL_FULL = 128
    IC_CARD_NOT_DIGITS = 129
    SERVER_ERROR = 1000
    SERVER_UNKNOWN_ERROR = 10000

    @property
    def zh(self) -> str:
        """The document's own Chinese text."""
        return _TEXT[self][0]

    @property
    def en(self) -> str:
        """English text an operator understands."""
        return _TEXT[self][1]

    def text(self, language: str = "en") -> str:
        """Operator text in `language` ("zh", "zh_CN" or "en")."""
        return self.zh if language.lower().startswith("zh") else self.en

    @classmethod
    def describe(cls, status: int, language: str = "en") -> str:
        """Operator text for any status number, known or not."""
        try:
            return cls(status).text(language)
        except ValueError:
            if language.lower().startswith("zh"):
                return f"未知状态码 {status}"
            return f"Unknown status {status} from the terminal"


_TEXT: dict[StatusCode, tuple[str, str]] = {
    StatusCode.SUCCESS: ("成功", "Success"),
    StatusCode.UNKNOWN_ERROR: ("未知错误", "The terminal reported an unknown error"),
    StatusCode.CLIENT_ERROR: ("客户端错误", "The terminal rejected the request (client error)"),
    StatusCode.MISSING_PARAMETER: ("缺少参数", "A required field is missing"),
    StatusCode.PARAMETER_ERROR: ("参数错误", "A field has an invalid value"),
    StatusCode.KEY_REJECTED: ("秘钥验证失败", "The terminal rejected the key"),
    StatusCode.PHOTO_SAVE_FAILED: (
        "图片保存失败",
        "The terminal could not save the photo (no usable face?)",
    ),
    StatusCode.PHOTO_SIZE_WRONG: ("图片尺寸错误", "The photo must be 640x480 pixels"),
    StatusCode.NO_FACE: ("图片找不到人脸", "No face was found in the photo"),
    StatusCode.PASS_COUNT_FORMAT: ("passCount 格式错误", "The pass count is not a number"),
    StatusCode.PASS_COUNT_RANGE: (
        "passCount 取值范围错误",
        "The pass count must be between 0 and 10000",
    ),
    StatusCode.START_TS_FORMAT: ("startTs 格式错误", "The start of validity is not a time"),
    StatusCode.START_TS_RANGE: ("startTs 取值范围错误", "The start of validity is out of range"),
    StatusCode.END_TS_FORMAT: ("endTs 格式错误", "The end of validity is not a time"),
    StatusCode.END_TS_RANGE: ("endTs 取值范围错误", "The end of validity is out of range"),
    StatusCode.ID_FACE_RATE_FORMAT: (
        "IDFaceRate 格式错误",
        "The ID-card match threshold is not a number",
    ),
    StatusCode.ID_FACE_RATE_RANGE: (
        "IDFaceRate 取值范围错误",
        "The ID-card match threshold is out of range",
    ),
    StatusCode.FACE_RATE_FORMAT: ("faceRate 格式错误", "The face match threshold is not a number"),
    StatusCode.FACE_RATE_RANGE: (
        "faceRate 取值范围错误",
        "The face match threshold is out of range",
    ),
    StatusCode.PASS_FIELD_FORMAT: ("passField 格式错误", "The pass field is malformed"),
    StatusCode.PASS_FIELD_RANGE: ("passField 取值范围错误", "The pass field is out of range"),
    StatusCode.PASS_TYPE_FORMAT: ("passType 格式错误", "The pass type is not a number"),
    StatusCode.PASS_TYPE_RANGE: ("passType 取值范围错误", "The pass type is out of range"),
    StatusCode.PERIOD_RANGE: ("period 取值范围错误", "The heartbeat period must be at least 1 s"),
    StatusCode.URL_FORMAT: ("url 格式错误", "The address must look like http://host:port/path"),
    StatusCode.PHOTO_BUSY: ("正在拍照", "The terminal is already taking a photo; try again"),
    StatusCode.PHOTO_FORMAT: ("图片格式错误", "The photo is not a JPEG image"),
    StatusCode.FEATURES_FAILED: (
        "图片提取特征值失败",
        "The terminal could not read the face in the photo",
    ),
    StatusCode.PERSON_NOT_FOUND: ("人员不存在", "This person is not on the terminal"),
    StatusCode.PHOTO_UNPARSABLE: ("图片解析失败", "The terminal could not decode the photo"),
    StatusCode.TERMINAL_FULL: (
        "人员达到最大限度，无法继续添加",
        "The terminal is full: remove someone before adding more people",
    ),
    StatusCode.IC_CARD_NOT_DIGITS: ("IC卡号不正确", "The card number must be decimal digits"),
    StatusCode.SERVER_ERROR: ("服务端错误", "The terminal had an internal error"),
    StatusCode.SERVER_UNKNOWN_ERROR: (
        "服务端未知错误",
        "The terminal had an unknown internal error",
    ),
}
