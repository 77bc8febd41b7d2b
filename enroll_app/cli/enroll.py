"""`enroll-station enroll --host H[:P] … --key K --id ID --name NAME PHOTO`: enroll from a file.

Runs the same EnrollmentService as the window: quality checks, duplicate search, the
terminals' own check, then the station store and the outbox deliver to every host and read
back. Exit codes: 0 every terminal holds the person, verified; 3 refused (a failing check, a
duplicate face, an id already taken; nothing was written to any terminal); 1 saved but at
least one terminal failed (the station's outbox keeps it; the next run of the station
delivers it); 2 bad arguments or input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from enroll_app.cli import UsageError

if TYPE_CHECKING:
    from enroll_app.face.types import Image
    from enroll_app.services.enroll import Assessment, EnrollmentRefused, EnrollResult
    from enroll_app.services.keys import KeyStore
    from enroll_app.services.station import StationServices
    from enroll_app.store.records import PersonRecord

EXIT_OK = 0
EXIT_DELIVERY_FAILED = 1
EXIT_ERROR = 2
EXIT_REFUSED = 3


def register(subparsers: Any) -> None:
    """Add the `enroll` command."""
    parser = subparsers.add_parser(
        "enroll",
        help="enroll a person from a photo file on one or more terminals",
        description="Check the photo, refuse failing photos and duplicates, then write the "
        "person to every terminal and read them back.",
    )
    parser.add_argument(
        "--host",
        action="append",
        required=True,
        metavar="H[:P]",
        help="a terminal's address (repeat for several terminals)",
    )
    parser.add_argument(
        "--key",
        required=True,
        help="the terminals' key (kept in the system keyring, like the window does)",
    )
    parser.add_argument("--id", required=True, dest="person_id", help="the person's id")
    parser.add_argument("--name", required=True, help="the person's name")
    parser.add_argument("--card", default="", help="card number (decimal)")
    parser.add_argument("--id-no", default="", help="ID-card number")
    parser.add_argument(
        "--pass-count", type=int, default=10000, help="passes allowed (10000 = unlimited)"
    )
    parser.add_argument(
        "--valid-from", default="-1", metavar="T", help="ISO 8601 local time, or -1 (default)"
    )
    parser.add_argument(
        "--valid-until", default="-1", metavar="T", help="ISO 8601 local time, or -1 (default)"
    )
    parser.add_argument(
        "--visitor", action="store_true", help="enroll as a visitor (expires) instead of staff"
    )
    parser.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="enroll even though the face matches someone already enrolled",
    )
    parser.add_argument(
        "--update", action="store_true", help="the id may exist already: replace that person"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("photo", help="JPEG, PNG or BMP file with the person's face")
    parser.set_defaults(func=enroll_command)


def enroll_command(args: argparse.Namespace) -> int:
    """Run one enrollment; see the module docstring for exit codes."""
    from enroll_app.face.types import FaceError, read_image

    hosts = [_address(text) for text in args.host]
    person = _person(args)
    try:
        image = read_image(args.photo)
    except (FaceError, OSError) as exc:
        raise UsageError(f"cannot read the photo {args.photo}: {exc}") from None
    return asyncio.run(_enroll(args, hosts, person, image))


def _address(text: str) -> str:
    from enroll_app.services.discovery import RegistryError, parse_address

    try:
        host, port = parse_address(text)
    except RegistryError as exc:
        raise UsageError(f"--host: {exc}") from None
    return f"{host}:{port}"


def _person(args: argparse.Namespace) -> PersonRecord:
    from enroll_app.services.person_fields import parse_card, parse_time
    from enroll_app.store.errors import InvalidRecordError
    from enroll_app.store.records import PersonId, PersonKind, PersonRecord
    from enroll_app.terminal.errors import InvalidInput

    try:
        card = parse_card(args.card)
        start, end = parse_time(args.valid_from), parse_time(args.valid_until)
        return PersonRecord(
            id=PersonId(args.person_id),
            name=args.name,
            ic_no=card.decimal if card else "",
            id_no=args.id_no.strip(),
            pass_count=args.pass_count,
            start_ts=start,
            end_ts=end,
            kind=PersonKind.VISITOR if args.visitor else PersonKind.STAFF,
        )
    except InvalidInput as exc:
        raise UsageError(f"{exc.field}: {exc.operator_text}") from None
    except (ValueError, InvalidRecordError) as exc:
        raise UsageError(str(exc)) from None


async def _enroll(
    args: argparse.Namespace, hosts: list[str], person: PersonRecord, image: Image
) -> int:
    from enroll_app.face.types import FaceError
    from enroll_app.services.enroll import EnrollmentRefused, EnrollRequest
    from enroll_app.services.station import StationServices
    from enroll_app.terminal.errors import TerminalError

    station = StationServices(keys=await _key_store())
    await station.start()
    assessment: Assessment | None = None
    try:
        serials = await _identify(station, hosts, args.key)
        svc = station.enrollment
        assessment = await svc.assess(image)
        request = EnrollRequest(
            person,
            assessment,
            serials,
            update_existing=args.update,
            allow_duplicate=args.allow_duplicate,
            actor="cli",
        )
        result = await svc.enroll(request)
    except EnrollmentRefused as exc:
        return _refused(args, exc, assessment)
    except (TerminalError, FaceError) as exc:
        text = exc.operator_text if isinstance(exc, TerminalError) else str(exc)
        print(f"enroll-station enroll: {text}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        await station.aclose()
    return _report(args, result)


async def _key_store() -> KeyStore:
    """The station's keyring (the hosts' key is remembered there, as the window does), or
    keys for this run only when the PC has no secure keyring (the other terminals of the
    station then wait for the window, which knows their keys)."""
    from enroll_app.services.keys import KeyStore, KeyStoreError, SessionKeys

    try:
        return await asyncio.to_thread(KeyStore)
    except KeyStoreError as exc:
        print(f"enroll-station enroll: {exc}; the key is used for this run only", file=sys.stderr)
        return KeyStore(SessionKeys())


async def _identify(station: StationServices, hosts: list[str], key: str) -> list[str]:
    """Read each host's serial with `key` and put it in the station's registry."""
    from enroll_app.terminal.errors import TerminalUnreachable

    serials: list[str] = []
    for address in hosts:
        found = await station.discovery.add(address, key=key)
        if found.sn is None:
            raise TerminalUnreachable(f"The terminal at {address} refused the key")
        serials.append(found.sn)
    return serials


def _refused(
    args: argparse.Namespace, exc: EnrollmentRefused, assessment: Assessment | None
) -> int:
    out: dict[str, Any] = {
        "ok": False,
        "refused": exc.reason,
        "message": str(exc),
        "codes": exc.codes,
        "person_id": exc.person_id,
    }
    if assessment is not None:
        out["quality"] = assessment.report.to_dict()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"REFUSED ({exc.reason}): {exc}", file=sys.stderr)
        if exc.codes:
            print(f"checks: {', '.join(exc.codes)}", file=sys.stderr)
        if exc.person_id:
            print(f"already enrolled: {exc.person_id}", file=sys.stderr)
    return EXIT_REFUSED


def _report(args: argparse.Namespace, result: EnrollResult) -> int:
    terminals = [
        {
            "serial": o.serial,
            "name": o.name,
            "ok": o.ok,
            "state": o.state,
            "error": o.error_text,
        }
        for o in result.outcomes.values()
    ]
    if args.json:
        out = {
            "ok": result.all_ok,
            "person_id": result.person_id,
            "terminals": terminals,
            "seconds": {k: round(v, 3) for k, v in result.timings.items()},
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for o in result.outcomes.values():
            label = f"{o.name} ({o.serial})" if o.name else o.serial
            print(f"{'ok  ' if o.ok else 'FAIL'} {label} {o.state} {o.error_text}".rstrip())
        print(f"{'ENROLLED' if result.all_ok else 'INCOMPLETE'} {result.person_id}")
    return EXIT_OK if result.all_ok else EXIT_DELIVERY_FAILED
