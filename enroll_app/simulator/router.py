"""From a parsed request to a reply, like the firmware's `serve`: method, key, route, handler."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from enroll_app.simulator import persons, records, settings
from enroll_app.simulator.device import Device
from enroll_app.simulator.http import Reply, Request
from enroll_app.simulator.profiles import FIRMWARE_CONTENT_TYPE, Profile
from enroll_app.simulator.results import Answer, ServerFault
from enroll_app.simulator.wire import Params, encode_json, request_params
from enroll_app.terminal.protocol import StatusCode

log = logging.getLogger(__name__)
Handler = Callable[[Device, Params], Awaitable[Answer]]

# The firmware routes by method: a GET to a POST-only URI is an unknown URI (501).
POST_ROUTES: dict[str, Handler] = {
    "settime": settings.set_time,
    "setdevicekey": settings.set_device_key,
    "setdeviceinfo": settings.set_device_info,
    "setpassconfig": settings.set_pass_config,
    "setperson": persons.set_person,
    "removeperson": persons.remove_person,
    "removerecord": records.remove_record,
    "updateapk": settings.update_apk,
    "setvisitorconfig": settings.set_visitor_config,
    "setheartbeat": settings.set_heartbeat,
    "setrecordcallback": settings.set_record_callback,
    "check": persons.check,
    "photo": records.photo,
    "reboot": settings.reboot,
    "open": settings.open_door,
}
GET_ROUTES: dict[str, Handler] = {
    "gettime": settings.get_time,
    "getdeviceinfo": settings.get_device_info,
    "getpassconfig": settings.get_pass_config,
    "getperson": persons.get_person,
    "listperson": persons.list_person,
    "listrecord": records.list_record,
    "open": settings.open_door,
    "reboot": settings.reboot,
    "getvisitorconfig": settings.get_visitor_config,
    "getheartbeat": settings.get_heartbeat,
    "getrecordcallback": settings.get_record_callback,
}


def uri_of(path: str) -> str:
    """The routed URI: one trailing `/` ignored, then the leading `/` dropped."""
    if path.endswith("/"):
        path = path[:-1]
    return path[1:] if path.startswith("/") else path


def find_handler(profile: Profile, method: str, uri: str) -> Handler | None:
    """The handler for `uri` (case-insensitive) under `method`, None if not routed."""
    name = uri.lower()
    if name == "reset" and method == "POST" and profile.reset_routed:
        return settings.reset
    routes = POST_ROUTES if method == "POST" else GET_ROUTES
    return routes.get(name)


async def respond(dev: Device, request: Request) -> Reply:
    """The reply to one protocol request; may raise DropConnection."""
    profile = dev.profile
    if request.method not in ("GET", "POST"):
        return error_page(profile, 405, "Sorry, METHOD_NOT_ALLOWED")
    params = request_params(request, parse_json=profile.parse_json_body)
    if not params.get("key") or params["key"] != dev.state.settings.key:
        return json_reply(profile, Answer(103))
    uri = uri_of(request.path)
    handler = find_handler(profile, request.method, uri)
    if handler is None:
        return error_page(profile, 501, f"Unimplemented interface:/{uri}({request.method})")
    if dev.faults.should_fail():
        return json_reply(profile, Answer(1))
    try:
        answer = await handler(dev, params)
    except ServerFault as exc:
        log.error("terminal %s cannot work: %s", dev.serial, exc)
        answer = Answer(1000)
    return json_reply(profile, answer)


def json_reply(profile: Profile, answer: Answer) -> Reply:
    """`{"status", "msg", "data"}` the way `profile` writes it (`data` left out when None)."""
    body: dict[str, object] = {
        "status": answer.status,
        "msg": answer.msg or message(profile, answer.status),
    }
    if answer.data is not None:
        body["data"] = answer.data
    return Reply(200, encode_json(body, java=profile.java_json), profile.content_type)


def message(profile: Profile, status: int) -> str:
    """The `msg` text for `status` in the terminal's language."""
    if status == 0 and profile.msg_language == "en":
        return "ok"
    return StatusCode.describe(status, profile.msg_language)


def error_page(profile: Profile, status: int, text: str) -> Reply:
    """NanoHTTPD's HTML error page (501 unknown URI, 405 method)."""
    page = (
        f"<html><head>{FIRMWARE_CONTENT_TYPE}</head><body><h1>Android Server</h1>\n"
        f"<p>{html.escape(text)}!</p></body></html>\n"
    )
    return Reply(status, page.encode(), "text/html")
