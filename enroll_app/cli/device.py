"""`enroll-station device --host HOST[:PORT] --key KEY [--json] ACTION …`: one terminal, by hand."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enroll_app.cli import UsageError

if TYPE_CHECKING:
    from enroll_app.terminal.client import TerminalClient

KEY_ENV = "ENROLL_STATION_KEY"
EXIT_REFUSED = 1  # the terminal answered, and said no (or answered nonsense)
EXIT_UNREACHABLE = 3  # no answer at all
OK = {"status": 0}  # what an action prints with --json

Action = Callable[["TerminalClient", argparse.Namespace], Awaitable[Any]]


def register(subparsers: Any) -> None:
    """Add the `device` command and its actions."""
    common = _common_options()
    parser = subparsers.add_parser(
        "device",
        parents=[common],
        help="talk to one terminal (or a simulated one): persons, records, settings …",
        description="Call one terminal's HTTP API. Exit 0 on success, 1 when the terminal "
        "refuses (the status code and its meaning go to stderr), 2 on usage errors, "
        "3 when the terminal cannot be reached.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text, configure, action in _ACTIONS:
        sub = actions.add_parser(name, parents=[common], help=help_text, description=help_text)
        configure(sub)
        sub.set_defaults(func=run, device_action=action)


def _common_options() -> argparse.ArgumentParser:
    # SUPPRESS lets the options stand before or after the action without overwriting.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--host", metavar="HOST[:PORT]", help="terminal address (port 8088)")
    common.add_argument(
        "--key", help=f"terminal key (default: ${KEY_ENV}, else the factory key 'abc')"
    )
    common.add_argument("--json", action="store_true", help="print JSON only on stdout")
    common.add_argument("--timeout", type=float, metavar="S", help="seconds per call (10)")
    return common


def run(args: argparse.Namespace) -> int:
    """Run one device action; map terminal errors to exit codes and operator text."""
    from enroll_app.terminal.errors import InvalidInput, TerminalError, TerminalUnreachable

    host, port = parse_host(getattr(args, "host", None))
    try:
        result = asyncio.run(_call(host, port, args))
    except InvalidInput as exc:
        raise UsageError(f"{exc.operator_text} ({exc.zh})") from None
    except TerminalError as exc:
        print(f"enroll-station device: {_error_line(exc)}", file=sys.stderr)
        return EXIT_UNREACHABLE if isinstance(exc, TerminalUnreachable) else EXIT_REFUSED
    except OSError as exc:  # writing a photo or a folder
        print(f"enroll-station device: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return EXIT_REFUSED
    except NotConfirmed as exc:
        print(f"enroll-station device: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    _print(result, getattr(args, "json", False))
    return 0


async def _call(host: str, port: int, args: argparse.Namespace) -> Any:
    from enroll_app.terminal.client import TerminalClient

    key = getattr(args, "key", None) or os.environ.get(KEY_ENV) or "abc"
    timeout = getattr(args, "timeout", 10.0)
    if not 0 < timeout <= 120:
        raise UsageError("--timeout must be between 0 and 120 seconds")
    action: Action = args.device_action
    async with TerminalClient(host, port, key, timeout=timeout) as client:
        return await action(client, args)


def _error_line(exc: Any) -> str:
    where = f"{exc.endpoint}: " if exc.endpoint else ""
    status = f"status {exc.status} — " if exc.status is not None else ""
    zh = f" ({exc.zh})" if exc.zh and exc.zh != exc.operator_text else ""
    return f"{where}{status}{exc.operator_text}{zh}"


def _print(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    elif isinstance(result, list):
        for item in result:
            print(_line(item))
        if not result:
            print("(none)")
    elif result == OK:
        print("OK")
    elif isinstance(result, dict):
        for name, value in result.items():
            print(f"{name}: {_value(name, value)}")
    else:
        print(result)


def _line(item: Any) -> str:
    if isinstance(item, dict):
        return "  ".join(f"{k}={_value(k, v)}" for k, v in item.items())
    return str(item)


_TIME_FIELDS = frozenset({"ts", "startTs", "endTs"})


def _value(name: str, value: Any) -> str:
    """Times as local date-times for people; JSON keeps the protocol's seconds."""
    if name in _TIME_FIELDS and isinstance(value, int | float):
        if value == -1:
            return "unlimited"
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return datetime.fromtimestamp(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, str | list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# ---- argument parsing helpers ---------------------------------------------------------------


def parse_host(text: str | None) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `[v6]` or `[v6]:PORT` → (host, port); UsageError otherwise."""
    if not text:
        raise UsageError("--host is required (the terminal's address, e.g. 192.168.1.20)")
    host, port = text, "8088"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = rest.removeprefix(":")
        if not _is_ipv6(host):
            raise UsageError(f"--host {text!r}: brackets are for IPv6 addresses")
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--host {text!r} is not HOST[:PORT]")
    if any(c in host for c in "/?#@ ") or (":" in host and not _is_ipv6(host)):
        raise UsageError(f"--host {text!r} is not HOST[:PORT] (no URL, just the address)")
    return host, int(port)


def _is_ipv6(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def parse_time(text: str) -> float:
    """Epoch seconds, an ISO 8601 date-time (local time unless it says otherwise), or
    "unlimited"/-1 (→ -1)."""
    cleaned = text.strip()
    if cleaned.lower() in ("unlimited", "-1", "none", "never"):
        return -1.0
    try:
        return float(cleaned)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(cleaned).timestamp()
    except ValueError:
        raise UsageError(
            f"{text!r} is not a time: give epoch seconds, 2025-03-01T08:00 or 'unlimited'"
        ) from None


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_photo(path: str) -> bytes:
    """A 640x480 JPEG is sent as is; anything else is refused with the way out."""
    from enroll_app.terminal.errors import InvalidInput
    from enroll_app.terminal.validation import check_photo

    data = _read_file(path)
    try:
        return check_photo(data)
    except InvalidInput as exc:
        raise UsageError(
            f"{path}: {exc.operator_text}. Make one with: enroll-station photo crop {path}"
        ) from None


# ---- actions --------------------------------------------------------------------------------


async def _info(c: TerminalClient, args: argparse.Namespace) -> Any:
    return (await c.get_device_info()).to_protocol()


async def _time(c: TerminalClient, args: argparse.Namespace) -> Any:
    if args.set_now:
        await c.set_time()
    return {"ts": await c.get_time()}


async def _persons(c: TerminalClient, args: argparse.Namespace) -> Any:
    # listPerson's windows are mis-scaled by the firmware: show them only through `person ID`.
    persons = await c.list_persons()
    return [_without_window(p.to_protocol()) for p in persons]


def _without_window(person: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in person.items() if k not in ("startTs", "endTs")}


async def _person(c: TerminalClient, args: argparse.Namespace) -> Any:
    person = await c.get_person(args.id)
    if args.save_photo:
        if person.photo is None:
            raise UsageError(f"person {args.id} has no photo on the terminal")
        await asyncio.to_thread(Path(args.save_photo).write_bytes, person.photo)
    return person.to_protocol()


async def _set_person(c: TerminalClient, args: argparse.Namespace) -> Any:
    import dataclasses

    changes = _person_changes(args)  # everything checked before the terminal is asked
    base = await _existing(c, args.id)
    await c.set_person(dataclasses.replace(base, **changes))
    return OK


def _person_changes(args: argparse.Namespace) -> dict[str, Any]:
    from enroll_app.terminal.validation import (
        card_from_decimal,
        card_from_hex,
        check_pass_count,
        check_person_id,
        check_window,
    )

    check_person_id(args.id)
    card = card_from_hex(args.card_hex) if args.card_hex else args.card
    start = parse_time(args.valid_from) if args.valid_from else None
    end = parse_time(args.valid_until) if args.valid_until else None
    check_window(-1 if start is None else start, -1 if end is None else end)
    changes: dict[str, Any] = {
        "name": args.name,
        "ic_no": card_from_decimal(card) if card else None,
        "id_no": args.id_no,
        "pass_count": None if args.pass_count is None else check_pass_count(args.pass_count),
        "start_ts": start,
        "end_ts": end,
        "photo": _read_photo(args.photo) if args.photo else None,
    }
    # photo=None also when not given: the stored photo is never sent back.
    return {k: v for k, v in changes.items() if v is not None} | {"photo": changes["photo"]}


async def _existing(c: TerminalClient, person_id: str) -> Any:
    """The person as stored (to keep its window and pass count), or a new one."""
    from enroll_app.terminal.errors import PersonNotFound, ProtocolError
    from enroll_app.terminal.records import Person

    try:
        return await c.get_person(person_id)
    except PersonNotFound:
        return Person(person_id)
    except ProtocolError:  # stored without a photo: the firmware drops getPerson
        print(
            f"warning: cannot read person {person_id} back; validity window set to unlimited "
            "unless given",
            file=sys.stderr,
        )
        return Person(person_id)


async def _remove(c: TerminalClient, args: argparse.Namespace) -> Any:
    if args.all:
        if args.ids:
            raise UsageError("give person ids OR --all, not both")
        if not args.yes:
            raise UsageError("--all removes EVERY person from the terminal: add --yes to confirm")
        await c.remove_all_persons()
    elif not args.ids:
        raise UsageError("give the ids of the persons to remove (or --all --yes)")
    else:
        await c.remove_persons(args.ids)
    return OK


async def _records(c: TerminalClient, args: argparse.Namespace) -> Any:
    since = parse_time(args.since) if args.since else 0.0
    if since < 0:
        since = 0.0
    records = await c.list_records(since=since, count=args.count)
    return [r.to_protocol() for r in records]


async def _set_key(c: TerminalClient, args: argparse.Namespace) -> Any:
    await c.set_device_key(args.new_key)
    if not getattr(args, "json", False):
        print("Key changed: use the new key from now on.", file=sys.stderr)
    return OK


async def _check(c: TerminalClient, args: argparse.Namespace) -> Any:
    return (await c.check(_read_photo(args.file))).to_protocol()


async def _photo(c: TerminalClient, args: argparse.Namespace) -> Any:
    import time

    out = Path(args.out)
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    photos = await c.take_photos(args.count)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    files = []
    for i, photo in enumerate(photos, 1):
        path = out / f"terminal-photo-{stamp}-{i}.jpg"
        await asyncio.to_thread(path.write_bytes, photo)
        files.append(str(path))
    return {"status": 0, "files": files}


async def _callback(c: TerminalClient, args: argparse.Namespace) -> Any:
    if args.url:
        await c.set_record_callback(args.url)
        return OK
    return {"url": await c.get_record_callback()}


async def _heartbeat(c: TerminalClient, args: argparse.Namespace) -> Any:
    if not args.target:
        return (await c.get_heartbeat()).to_protocol()
    if len(args.target) != 2:
        raise UsageError("heartbeat takes URL PERIOD (or nothing, to read it)")
    try:
        period = float(args.target[1])
    except ValueError:
        raise UsageError(f"PERIOD {args.target[1]!r} is not a number of seconds") from None
    await c.set_heartbeat(args.target[0], period)
    return OK


async def _settings(c: TerminalClient, args: argparse.Namespace) -> Any:
    if not args.set:
        return (await c.get_device_info()).to_protocol()
    settings: dict[str, str] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set {item!r}: use name=value")
        settings[name.strip()] = value
    await c.set_device_info(settings)
    return OK


async def _open(c: TerminalClient, args: argparse.Namespace) -> Any:
    await c.open_door()
    return OK


async def _reboot(c: TerminalClient, args: argparse.Namespace) -> Any:
    await c.reboot()
    return OK


class NotConfirmed(Exception):
    """The operator did not confirm an action that changes the terminal's software."""


async def _update_apk(c: TerminalClient, args: argparse.Namespace) -> Any:
    url = check_apk_url(args.url)
    host = getattr(args, "host", "")
    if _is_loopback(_url_host(url)) and not _is_loopback(parse_host(host)[0]):
        print(
            f"warning: the terminal downloads {url} itself: that address is the terminal, "
            "not this PC",
            file=sys.stderr,
        )
    if not args.yes:
        await _confirm(f"Terminal {host} will download and install the app at {url}.")
    await c.update_apk(url)
    return OK


def check_apk_url(url: str) -> str:
    """An http(s) download address the terminal accepts; UsageError otherwise."""
    from urllib.parse import urlsplit

    from enroll_app.terminal.errors import InvalidInput
    from enroll_app.terminal.validation import check_url

    if urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        raise UsageError(
            f"URL {url!r} must start with http:// or https:// (the terminal fetches the APK "
            "with a GET), e.g. http://192.168.1.10:8000/acs-1.3.apk"
        )
    try:
        return check_url(url)
    except InvalidInput as exc:
        raise UsageError(f"{exc.operator_text} ({exc.zh})") from None


def _url_host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


async def _confirm(what: str) -> None:
    """Ask on the operator's terminal; NotConfirmed unless they answer yes."""
    if not sys.stdin.isatty():
        raise UsageError(f"{what} Add --yes to confirm (no console to ask on).")
    print(f"{what} Send? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = await asyncio.to_thread(sys.stdin.readline)
    if answer.strip().lower() not in ("y", "yes"):
        raise NotConfirmed("not confirmed: nothing was sent to the terminal")


# ---- action parsers -------------------------------------------------------------------------


def _no_args(parser: argparse.ArgumentParser) -> None:
    pass


def _time_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set-now", action="store_true", help="set the terminal's clock to this PC's")


def _person_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="person id (leading zeros matter)")
    p.add_argument("--save-photo", metavar="FILE", help="write the stored photo (JPEG) here")


def _set_person_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--id", required=True, help="person id (leading zeros matter)")
    p.add_argument("--name", help="name shown at the door")
    card = p.add_mutually_exclusive_group()
    card.add_argument("--card", metavar="DEC", help="card number in decimal")
    card.add_argument("--card-hex", metavar="HEX", help="card number in hex (e.g. 7267e840)")
    p.add_argument("--id-no", help="ID-card number")
    p.add_argument("--pass-count", type=int, help="passes allowed, 0..10000 (10000 = unlimited)")
    p.add_argument(
        "--valid-from", metavar="T", help="epoch seconds, 2025-03-01T08:00 (local) or unlimited"
    )
    p.add_argument("--valid-until", metavar="T", help="same forms as --valid-from")
    p.add_argument(
        "--photo", metavar="FILE", help="a 640x480 JPEG (see: enroll-station photo crop)"
    )
    p.epilog = (
        "An existing person keeps the window and pass count they have unless given; a new "
        "person gets unlimited ones. Fields cannot be cleared (remove and re-add instead)."
    )


def _remove_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="ids of the persons to remove")
    p.add_argument("--all", action="store_true", help="remove EVERY person (needs --yes)")
    p.add_argument("--yes", action="store_true", help="confirm --all")


def _records_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="T", help="only records after this time (default: all)")
    p.add_argument("--count", type=int, metavar="N", help="at most N records (default: all)")


def _set_key_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("new_key", metavar="NEW", help="the new key (at most 20 bytes)")


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a 640x480 JPEG")


def _photo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count", type=int, default=1, help="1..3 photos, 1 s apart (default 1)")
    p.add_argument("--out", default=".", metavar="DIR", help="folder for the JPEGs (default .)")


def _callback_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", nargs="?", metavar="URL", help="set the record upload URL")


def _heartbeat_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", nargs="*", metavar="URL PERIOD", help="set URL and period (s)")


def _update_apk_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "url", metavar="URL", help="http(s) address of the APK, reachable by the terminal"
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.epilog = (
        "The terminal downloads the APK itself and installs it: serve it from a PC on the "
        "terminal's LAN. Asks for confirmation unless --yes."
    )


def _settings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="change a setting")


_ACTIONS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Action]] = [
    ("info", "serial, name, versions and settings", _no_args, _info),
    ("time", "the terminal's clock (epoch seconds)", _time_args, _time),
    (
        "persons",
        "everyone on the terminal (no photos; the firmware mis-reports validity windows here, "
        "so they are left out: see `person ID`)",
        _no_args,
        _persons,
    ),
    ("person", "one person, with validity window", _person_args, _person),
    ("set-person", "add or update a person", _set_person_args, _set_person),
    ("remove", "remove persons by id (or everyone)", _remove_args, _remove),
    ("records", "pass records (all pages)", _records_args, _records),
    ("set-key", "change the terminal's key", _set_key_args, _set_key),
    ("check", "ask the terminal whether a photo is usable / known", _check_args, _check),
    ("photo", "take photos with the terminal's camera", _photo_args, _photo),
    ("callback", "read or set the record upload URL", _callback_args, _callback),
    ("heartbeat", "read or set the heartbeat URL and period", _heartbeat_args, _heartbeat),
    ("settings", "read or change settings (name=value)", _settings_args, _settings),
    ("open", "open the door (physically!)", _no_args, _open),
    ("reboot", "restart the terminal", _no_args, _reboot),
    ("update-apk", "make the terminal download and install its app", _update_apk_args, _update_apk),
]
