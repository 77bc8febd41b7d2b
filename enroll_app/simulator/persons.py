"""Person endpoints: setPerson, getPerson, listPerson, removePerson, check."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from enroll_app.simulator.device import Device
from enroll_app.simulator.faces import FaceVerdict, is_jpeg, jpeg_size
from enroll_app.simulator.numbers import java_double, java_long
from enroll_app.simulator.results import OK, Answer, DropConnection, fail, ok
from enroll_app.simulator.state import Person
from enroll_app.simulator.wire import BadBase64, Params, decode_base64, encode_base64
from enroll_app.terminal.protocol import PHOTO_HEIGHT, PHOTO_WIDTH, UNLIMITED_PASSES


async def set_person(dev: Device, p: Params) -> Answer:
    """Create or update a person; empty fields are ignored on update."""
    person_id = p.get("id", "")
    if not person_id:
        return fail(101)
    checked = _check_fields(dev, p)
    if isinstance(checked, Answer):
        return checked
    pass_count, start_ts, end_ts = checked
    if person_id not in dev.state.persons and len(dev.state.persons) >= dev.faults.capacity:
        return fail(128)
    photo: tuple[bytes, FaceVerdict] | None = None
    if p.get("photo"):
        judged = await _enrollment_photo(dev, p["photo"])
        if isinstance(judged, Answer):
            return judged
        photo = judged
    stored = dev.state.persons.get(person_id)  # read after the photo work: it may have changed
    if stored is None:
        start_default, end_default = dev.profile.omitted_window
        person = Person(
            id=person_id,
            pass_count=UNLIMITED_PASSES if pass_count is None else pass_count,
            start_ts=start_default if start_ts is None else start_ts,
            end_ts=end_default if end_ts is None else end_ts,
        )
    else:
        person = replace(stored)  # changed in memory only once the change is durable
    _update(person, p, pass_count, start_ts, end_ts)
    dev.put_person(person, None if photo is None else (photo[0], photo[1].embedding))
    return OK


def _check_fields(  # noqa: PLR0911 - the firmware's status ladder, one code per check
    dev: Device, p: Params
) -> Answer | tuple[int | None, float | None, float | None]:
    pass_count = start_ts = end_ts = None
    if p.get("passCount"):
        pass_count = java_long(p["passCount"])
        if pass_count is None:
            return fail(107)
    if p.get("startTs"):
        start_ts = java_double(p["startTs"])
        if start_ts is None:
            return fail(109)
    if p.get("endTs"):
        end_ts = java_double(p["endTs"])
        if end_ts is None:
            return fail(111)
    if pass_count is not None and (
        pass_count < 0 or (dev.profile.pass_count_capped and pass_count > UNLIMITED_PASSES)
    ):
        return fail(108)
    if start_ts is not None and _bad_ts(dev, start_ts):
        return fail(110)
    if end_ts is not None and _bad_ts(dev, end_ts):
        return fail(112)
    ic_no = p.get("IC_NO", "")
    if dev.profile.ic_digits_only and ic_no and not (ic_no.isascii() and ic_no.isdigit()):
        return fail(129)
    return pass_count, start_ts, end_ts


def _bad_ts(dev: Device, ts: float) -> bool:
    if dev.profile.negative_ts_rejected:
        return ts < 0
    return ts < 0 and ts != -1


def _update(
    person: Person, p: Params, pass_count: int | None, start: float | None, end: float | None
) -> None:
    person.name = p.get("name") or person.name
    person.ic_no = p.get("IC_NO") or person.ic_no
    person.id_no = p.get("ID_NO") or person.id_no
    person.permissions = p.get("personalizedPermissions") or person.permissions
    if pass_count is not None:
        person.pass_count = pass_count
    if start is not None:
        person.start_ts = start
    if end is not None:
        person.end_ts = end


async def _enrollment_photo(  # noqa: PLR0911 - one status per photo fault
    dev: Device, text: str
) -> Answer | tuple[bytes, FaceVerdict]:
    jpeg = _decode_photo(dev, text)
    if isinstance(jpeg, Answer):
        return jpeg
    strict = dev.profile.strict_photos
    if strict:
        if not is_jpeg(jpeg):
            return fail(124)
        size = jpeg_size(jpeg)
        if size is None:
            return fail(127)
        if size != (PHOTO_WIDTH, PHOTO_HEIGHT):
            return fail(105)
    verdict = await dev.analyse(jpeg)
    if not verdict.decoded:
        return fail(127 if strict else 104)
    if verdict.faces == 0:
        return fail(106 if strict else 104)
    if verdict.embedding is None:
        return fail(125 if strict else 104)
    return jpeg, verdict


def _decode_photo(dev: Device, text: str) -> bytes | Answer:
    try:
        data = decode_base64(text)
    except BadBase64:
        if dev.profile.drop_bad_requests:
            raise DropConnection("bad base-64") from None
        return fail(127)
    return fail(127) if not data and dev.profile.strict_photos else data


async def get_person(dev: Device, p: Params) -> Answer:
    """One person with their photo."""
    person_id = p.get("id")
    if person_id is None and dev.profile.drop_bad_requests:
        raise DropConnection("getPerson without id")
    if not person_id and not dev.profile.drop_bad_requests:
        return fail(101)
    person = dev.state.persons.get(person_id or "")
    if person is None:
        return fail(126)
    jpeg = dev.storage.photo(person.photo)
    if jpeg is None and dev.profile.drop_bad_requests:
        raise DropConnection("person stored without a photo")
    data = _person_fields(dev, person, scale=1.0)
    data["photo"] = encode_base64(jpeg or b"", line_breaks=dev.profile.photo_line_breaks)
    return ok(data)


async def list_person(dev: Device, p: Params) -> Answer:
    """Everyone, without photos (acs profiles: windows divided by 1000, the firmware bug)."""
    scale = 1000.0 if dev.profile.list_person_scaled else 1.0
    people = [_person_fields(dev, person, scale) for person in dev.state.persons.values()]
    return ok({"person": people})


def _person_fields(dev: Device, person: Person, scale: float) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": person.id,
        "name": person.name,
        "IC_NO": person.ic_no,
        "ID_NO": person.id_no,
        "passCount": person.pass_count,
        "startTs": person.start_ts / scale,
        "endTs": person.end_ts / scale,
    }
    if dev.profile.java_json:  # Gson leaves out fields the firmware never set (null)
        data = {k: v for k, v in data.items() if v != ""}
    return data


async def remove_person(dev: Device, p: Params) -> Answer:
    """Remove `[id1,id2]`; `[]` removes everyone; unknown ids are skipped."""
    text = p.get("id", "")
    if not text:
        return fail(101)
    ids = _ids_to_remove(dev, text)
    if ids is None:
        return fail(102)
    doomed = list(dev.state.persons) if ids == [] else [i for i in ids if i in dev.state.persons]
    dev.remove_persons(doomed)
    return OK


def _ids_to_remove(dev: Device, text: str) -> list[str] | None:
    bracketed = text.startswith("[") and text.endswith("]")
    if not dev.profile.bare_id_accepted:
        if not bracketed:
            return None
        return [] if text == "[]" else text[1:-1].split(",")
    if not bracketed:
        return [text.strip()]
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return [str(item) for item in parsed]
    return [part.strip().strip("\"'") for part in text[1:-1].split(",") if part.strip()]


async def check(dev: Device, p: Params) -> Answer:  # noqa: PLR0911 - one verdict per fault
    """Is the photo usable (isValid) and is the face already enrolled (isExist)?"""
    text = p.get("photo")
    if text is None and dev.profile.drop_bad_requests:
        raise DropConnection("check without photo")
    if not text and not dev.profile.drop_bad_requests:
        return fail(101)
    jpeg = _decode_photo(dev, text or "")
    if isinstance(jpeg, Answer):
        return jpeg
    if dev.profile.strict_photos:
        if not is_jpeg(jpeg) or jpeg_size(jpeg) is None:
            return _checked(2)
        if jpeg_size(jpeg) != (PHOTO_WIDTH, PHOTO_HEIGHT):
            return _checked(1)
    verdict = await dev.analyse(jpeg)
    if not verdict.decoded:
        if dev.profile.check_undecodable_valid:
            return _checked(0)
        return fail(127) if not dev.profile.strict_photos else _checked(2)
    if verdict.faces == 0:
        return _checked(3)
    if verdict.embedding is None:
        return _checked(4)
    return _checked(0, dev.is_known_face(verdict.embedding))


def _checked(is_valid: int, is_exist: bool = False) -> Answer:
    return ok({"isValid": is_valid, "isExist": is_exist})
