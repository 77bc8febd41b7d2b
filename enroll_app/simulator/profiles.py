"""The three firmware behaviours the simulator can reproduce, as one table of switches."""

from __future__ import annotations

from dataclasses import dataclass

FIRMWARE_CONTENT_TYPE = '<meta http-equiv="content-type" content="text/html; charset=utf-8">'


@dataclass(frozen=True)
class Profile:
    """How one firmware answers; every switch names the quirk it reproduces (wire-format.md)."""

    name: str
    apk_version: str
    content_type: str
    gzip: bool  # gzip the reply when the client offers it (NanoHTTPD does for text/* types)
    java_json: bool  # Gson output: doubles like 1.545187749123E9, `=` as \u003d
    msg_language: str  # "zh" or "en" for `msg`
    idle_timeout_s: float  # keep-alive connections closed after this idle time
    millis: bool  # setTime/getTime/listRecord/removeRecord in integer milliseconds
    parse_json_body: bool  # a JSON object body counts as parameters
    reset_routed: bool  # `reset` answers (True) or is an unknown URI → 501 (False)
    strict_photos: bool  # 105/106/124/125/127 for bad photos; False: 104, any size accepted
    drop_bad_requests: bool  # bad base64, getPerson without id or photo: connection dropped
    check_undecodable_valid: bool  # `check` of an undecodable image reports isValid 0
    bare_id_accepted: bool  # removePerson id without brackets is one id, not 102
    ic_digits_only: bool  # IC_NO must be decimal digits, else 129
    omitted_window: tuple[float, float]  # startTs/endTs stored when a new person omits them
    negative_ts_rejected: bool  # any negative startTs/endTs (even -1) → 110/112
    pass_count_capped: bool  # passCount above 10000 → 108
    record_page_cap: int  # listRecord returns at most this many (0: `count` decides)
    list_person_scaled: bool  # listPerson shows startTs/endTs divided by 1000
    photo_line_breaks: bool  # getPerson photo base64 with \n every 76 characters
    info_fail_key: str  # getDeviceInfo key of the failure prompt
    info_extras: bool  # getDeviceInfo adds picQualityRate, beginRecoDistance, pairSuccessOpenDoor
    setting_error: int  # status for an unparsable setDeviceInfo field
    integer_period: bool  # setHeartBeat period must be an integer
    old_key_param: bool  # setDeviceKey wants `oldKey` as well as `key`
    resend_rejected: bool  # records the receiver answered non-zero are re-sent at the next pass


SPEC = Profile(
    name="spec",
    apk_version="1.3.0",
    content_type="application/json; charset=utf-8",
    gzip=False,
    java_json=False,
    msg_language="en",
    idle_timeout_s=60.0,
    millis=False,
    parse_json_body=True,
    reset_routed=True,
    strict_photos=True,
    drop_bad_requests=False,
    check_undecodable_valid=False,
    bare_id_accepted=True,
    ic_digits_only=False,
    omitted_window=(-1.0, -1.0),
    negative_ts_rejected=False,
    pass_count_capped=True,
    record_page_cap=0,
    list_person_scaled=False,
    photo_line_breaks=False,
    info_fail_key="appFailMsg",
    info_extras=False,
    setting_error=102,
    integer_period=False,
    old_key_param=False,
    resend_rejected=True,
)

ACS_1_1_143 = Profile(
    name="acs-1.1.143",
    apk_version="1.1.143",
    content_type=FIRMWARE_CONTENT_TYPE,
    gzip=True,
    java_json=True,
    msg_language="zh",
    idle_timeout_s=5.0,  # NanoHTTPD's SOCKET_READ_TIMEOUT
    millis=False,
    parse_json_body=False,
    reset_routed=False,
    strict_photos=False,
    drop_bad_requests=True,
    check_undecodable_valid=True,
    bare_id_accepted=False,
    ic_digits_only=True,
    omitted_window=(0.0, 0.0),
    negative_ts_rejected=False,
    pass_count_capped=True,
    record_page_cap=50,
    list_person_scaled=True,
    photo_line_breaks=True,
    info_fail_key="tipsPairFail",
    info_extras=True,
    setting_error=107,
    integer_period=False,
    old_key_param=False,
    resend_rejected=False,
)

ACS_LEGACY_MS = Profile(
    name="acs-legacy-ms",
    apk_version="1.1.103",
    content_type=FIRMWARE_CONTENT_TYPE,
    gzip=True,
    java_json=True,
    msg_language="zh",
    idle_timeout_s=5.0,
    millis=True,
    parse_json_body=False,
    reset_routed=False,
    strict_photos=False,
    drop_bad_requests=True,
    check_undecodable_valid=False,
    bare_id_accepted=False,
    ic_digits_only=False,
    omitted_window=(111111111.0, 99999999999.0),  # the old firmware's defaults: 1973 .. 5138
    negative_ts_rejected=True,
    pass_count_capped=False,
    record_page_cap=0,
    list_person_scaled=True,
    photo_line_breaks=True,
    info_fail_key="tipsPairFail",
    info_extras=False,
    setting_error=107,
    integer_period=True,
    old_key_param=True,
    resend_rejected=False,
)

PROFILES_BY_NAME = {p.name: p for p in (SPEC, ACS_1_1_143, ACS_LEGACY_MS)}


def profile_named(name: str) -> Profile:
    """The profile called `name`; KeyError names the choices."""
    try:
        return PROFILES_BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"Unknown profile {name!r}: use one of {', '.join(PROFILES_BY_NAME)}"
        ) from None
