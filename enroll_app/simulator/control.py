"""`/_sim/...`: control endpoints for tests and demos (no key, no injected faults).

- `POST /_sim/pass` id, passType → someone stands at the door (record + upload if allowed)
- `GET|POST /_sim/faults` latency_ms, fail_rate, drop_rate, capacity → read or change faults
- `GET|POST /_sim/clock` skew (s) or ts (s) → read or move the terminal clock
- `POST /_sim/camera` frames=0|1 → the camera stops or resumes giving frames
- `GET /_sim/state` → settings (without the key), persons, records (without photos), events
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from enroll_app.simulator.config import check_rate
from enroll_app.simulator.device import Device
from enroll_app.simulator.http import Reply, Request
from enroll_app.simulator.numbers import java_double, java_int
from enroll_app.simulator.wire import Params, request_params

CONTROL_PREFIX = "/_sim/"


def is_control(request: Request) -> bool:
    """Whether `request` is for a control endpoint."""
    return request.path.lower().startswith(CONTROL_PREFIX)


def control_reply(dev: Device, request: Request) -> Reply:
    """Handle one control request."""
    params = request_params(request, parse_json=True)
    name = request.path[len(CONTROL_PREFIX) :].strip("/").lower()
    posting = request.method == "POST"
    handlers = {
        "pass": _pass,
        "faults": _faults,
        "clock": _clock,
        "camera": _camera,
        "state": _state,
    }
    handler = handlers.get(name)
    if handler is None:
        return _reply(404, {"status": 404, "msg": f"no control endpoint {name!r}"})
    return handler(dev, params, posting)


def _reply(http_status: int, body: dict[str, Any]) -> Reply:
    return Reply(http_status, json.dumps(body, ensure_ascii=False).encode())


def _ok(data: dict[str, Any]) -> Reply:
    return _reply(200, {"status": 0, "msg": "ok", "data": data})


def _bad(status: int, msg: str) -> Reply:
    return _reply(200, {"status": status, "msg": msg})


def _pass(dev: Device, p: Params, posting: bool) -> Reply:
    if not posting:
        return _bad(405, "use POST")
    person = dev.state.persons.get(p.get("id", ""))
    if person is None:
        return _bad(126, "no such person")
    pass_type = java_int(p.get("passType", "0") or "0")
    if pass_type is None:
        return _bad(119, "passType must be an integer")
    outcome = dev.pass_door(person, pass_type)
    data: dict[str, Any] = {"passed": outcome.passed, "reason": outcome.reason}
    if outcome.record is not None:
        data["record"] = {"personID": outcome.record.person_id, "ts": outcome.record.ts}
    return _ok(data)


def _faults(dev: Device, p: Params, posting: bool) -> Reply:
    faults = dev.faults
    if posting:
        try:
            _apply_faults(dev, p)
        except ValueError as exc:
            return _bad(102, str(exc))
    return _ok(
        {
            "latency_ms": faults.latency_ms,
            "fail_rate": faults.fail_rate,
            "drop_rate": faults.drop_rate,
            "capacity": faults.capacity,
        }
    )


def _apply_faults(dev: Device, p: Params) -> None:
    faults = dev.faults
    for name in ("latency_ms", "fail_rate", "drop_rate"):
        if name in p:
            value = java_double(p[name])
            if value is None or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
            if name != "latency_ms":
                check_rate(name, value)
            setattr(faults, name, value)
    if "capacity" in p:
        capacity = java_int(p["capacity"])
        if capacity is None or capacity < 0:
            raise ValueError("capacity must be an integer >= 0")
        faults.capacity = capacity


def _clock(dev: Device, p: Params, posting: bool) -> Reply:
    if posting:
        for name in ("skew", "ts"):
            if name in p:
                value = java_double(p[name])
                if value is None:
                    return _bad(102, f"{name} must be a number of seconds")
                dev.set_skew(value) if name == "skew" else dev.set_now(value)
    return _ok({"ts": round(dev.now(), 3), "skew": dev.state.settings.clock_skew_s})


def _camera(dev: Device, p: Params, posting: bool) -> Reply:
    if posting and "frames" in p:
        if p["frames"] == "0":
            dev.camera.pause()
        else:
            dev.camera.resume()
    return _ok({"frames": not dev.camera.paused, "capturing": dev.capturing})


def _state(dev: Device, p: Params, posting: bool) -> Reply:
    settings = asdict(dev.state.settings)
    settings.pop("key")
    return _ok(
        {
            "serial": dev.serial,
            "profile": dev.profile.name,
            "settings": settings,
            "persons": [asdict(person) for person in dev.state.persons.values()],
            "records": [asdict(record) for record in dev.state.records],
            "events": dev.state.events,
        }
    )
