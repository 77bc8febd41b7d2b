"""`enroll-station import FILE --photos DIR --host H[:P] ...`: HR import from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enroll_app.cli import UsageError

if TYPE_CHECKING:
    from enroll_app.services.importer import ImportPlan, ImportProgress, ImportReport
    from enroll_app.services.station import StationServices
    from enroll_app.store.records import PersonId, TerminalSerial

DELIVERY_TIMEOUT = 300.0


def register(subparsers: Any) -> None:
    """Add the `import` command."""
    parser = subparsers.add_parser(
        "import",
        help="import persons from a CSV/XLSX sheet and a photo folder to terminals",
        description=(
            "Read the sheet (CSV in UTF-8 or GBK, or XLSX; English or Chinese headers), match "
            "photos by id or by the sheet's photo column, run every photo through the quality, "
            "crop and duplicate checks, save the accepted rows and deliver them to the "
            "terminals, then read the terminals back. Exit status 0 when every row was "
            "imported and delivered, 1 when some were not, 2 for unusable arguments."
        ),
    )
    parser.add_argument("file", type=Path, help="the sheet (.csv or .xlsx)")
    parser.add_argument("--photos", type=Path, help="folder with <id>.jpg photos")
    parser.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="H[:P]",
        help="a terminal to import to (repeat for more); registered in this station",
    )
    parser.add_argument("--key", help="the terminals' key, if the station does not hold it")
    parser.add_argument("--dry-run", action="store_true", help="plan only: change nothing")
    parser.add_argument(
        "--offboard",
        action="store_true",
        help="FILE lists persons who left: remove them from every terminal holding them",
    )
    parser.add_argument(
        "--confirm-mass-removal",
        action="store_true",
        help="go ahead although a terminal would lose more than 20 %% of its persons",
    )
    parser.add_argument("--report", type=Path, help="write the per-row report CSV here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DELIVERY_TIMEOUT,
        help=f"seconds to wait for delivery (default {DELIVERY_TIMEOUT:.0f})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON report at the end")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan, import, deliver and read back; print progress (or one JSON document)."""
    import asyncio

    from enroll_app.services.importer import SheetError

    if not args.file.is_file():
        raise UsageError(f"no such sheet: {args.file}")
    if args.photos is not None and not args.photos.is_dir():
        raise UsageError(f"no such photo folder: {args.photos}")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    try:
        result = asyncio.run(_offboard(args) if args.offboard else _import(args))
    except SheetError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        _print_summary(result)
    return 0 if result["ok"] else 1


async def _import(args: argparse.Namespace) -> dict[str, Any]:
    from enroll_app.services.importer import ImportService, guess_mapping, read_sheet
    from enroll_app.services.station import StationServices

    sheet = read_sheet(args.file)
    mapping = guess_mapping(sheet.headers)
    station = StationServices()
    await station.start()
    try:
        terminals = [await _register(station, host, args.key) for host in args.host]
        serials = [t["serial"] for t in terminals]
        importer = ImportService(station)
        progress = _progress_printer(quiet=args.json)
        plan = await importer.plan(sheet, mapping, args.photos, serials, on_progress=progress)
        result = _plan_result(args, plan, terminals)
        if args.dry_run:
            result["ok"] = plan.count("error") == 0
            return result
        report = await importer.run(plan, on_progress=progress)
        if args.report is not None:
            report.export(args.report)
        await _finish(station, plan, report, result, args.timeout)
        return result
    finally:
        await station.aclose()


async def _offboard(args: argparse.Namespace) -> dict[str, Any]:
    """Remove the listed persons everywhere; wait for the removals and read the terminals back."""
    from enroll_app.services.importer import ImportService, ids_from_sheet, read_sheet
    from enroll_app.services.reconcile import GuardRequired
    from enroll_app.services.station import StationServices

    ids = ids_from_sheet(read_sheet(args.file))
    station = StationServices()
    await station.start(load_engine=False)
    try:
        for host in args.host:  # new addresses of known terminals
            await _register(station, host, args.key)
        importer = ImportService(station)
        plan = await importer.offboard_plan(ids)
        result: dict[str, Any] = {
            "file": str(args.file),
            "offboard": True,
            "dry_run": bool(args.dry_run),
            "removals": {pid: list(serials) for pid, serials in plan.removals.items()},
            "unknown": plan.unknown,
            "share": {s: {"leaving": n, "held": h} for s, (n, h) in plan.share.items()},
        }
        if args.dry_run:
            result["ok"] = not plan.unknown
            return result
        try:
            await importer.offboard(ids, "import", confirmed=2 if args.confirm_mass_removal else 0)
        except GuardRequired as exc:
            result["ok"], result["refused"] = False, f"{exc} (use --confirm-mass-removal)"
            return result
        leaving = list(plan.removals)
        serials = sorted({s for targets in plan.removals.values() for s in targets})
        states = await _wait_delivered(station, leaving, serials, args.timeout)
        found = await _read_back(station, serials)
        result["removed"] = {f"{p} {s}": state for (p, s), state in states.items()}
        result["still_held"] = {s: sorted(set(leaving) & ids_held) for s, ids_held in found.items()}
        result["ok"] = not plan.unknown and not any(result["still_held"].values())
        return result
    finally:
        await station.aclose()


async def _register(station: StationServices, address: str, key: str | None) -> dict[str, Any]:
    from enroll_app.terminal.errors import TerminalError

    try:
        found = await station.discovery.add(address, key)
    except (TerminalError, ValueError, LookupError) as exc:
        raise UsageError(f"terminal {address}: {getattr(exc, 'operator_text', '') or exc}") from exc
    if not found.sn:
        raise UsageError(f"terminal {address} refused every key (give the right one with --key)")
    return {"serial": found.sn, "address": f"{found.host}:{found.port}", "name": found.name}


def _progress_printer(*, quiet: bool) -> Any:
    def show(step: ImportProgress) -> None:
        if not quiet:
            print(f"\r{step.stage}: {step.done}/{step.total} rows", end="", file=sys.stderr)
            if step.done == step.total:
                print(file=sys.stderr)

    return show


def _plan_result(
    args: argparse.Namespace, plan: ImportPlan, terminals: list[dict[str, Any]]
) -> dict[str, Any]:
    headers = plan.sheet.headers
    return {
        "file": str(args.file),
        "dry_run": bool(args.dry_run),
        "mapping": {key: headers[index] for key, index in plan.mapping.items()},
        "terminals": terminals,
        "plan": plan.summary(),
        "rows": [row.to_dict() for row in plan.rows],
    }


async def _finish(
    station: StationServices,
    plan: ImportPlan,
    report: ImportReport,
    result: dict[str, Any],
    wait_s: float,
) -> None:
    """Wait for the sync workers, read every terminal back, and put it all in `result`."""
    saved = report.saved_ids()
    station.sync.kick()
    states = await _wait_delivered(station, saved, plan.targets, wait_s)
    found = await _read_back(station, plan.targets)
    by_row = {r.row_no: r for r in report.rows}
    for row in result["rows"]:
        done = by_row[row["row"]]
        row["status"] = done.status
        row["errors"] = list(done.errors)
        held = {s: states.get((row["id"], s), "") for s in row["terminals"]}
        row["delivered"] = {s: state for s, state in held.items() if state}
    result["report"] = report.summary()
    result["read_back"] = {
        serial: {
            "persons": len(ids),
            "missing": sorted(p for p in _expected(report) if p not in ids),
        }
        for serial, ids in found.items()
    }
    delivered = all(state == "synced" for state in states.values())
    result["ok"] = (
        report.count("error") == 0
        and not report.cancelled
        and delivered
        and not any(v["missing"] for v in result["read_back"].values())
    )


def _expected(report: ImportReport) -> list[str]:
    return [r.person_id for r in report.rows if r.status in ("created", "updated", "unchanged")]


async def _wait_delivered(
    station: StationServices,
    person_ids: list[PersonId],
    serials: list[TerminalSerial],
    wait_s: float,
) -> dict[tuple[str, str], str]:
    """(person, terminal) → placement state once none is pending any more (or at timeout).

    Waits out `failed_other` too (the workers retry it); key, full and photo failures wait
    for the operator, so they end the wait.
    """
    import asyncio

    from enroll_app.store.records import PlacementState

    waiting = {PlacementState.PENDING, PlacementState.FAILED_OTHER, PlacementState.REMOVING}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        placements = await station.store.placements_of(person_ids)
        states = {
            (p.person_id, p.serial): p.state
            for plist in placements.values()
            for p in plist
            if p.serial in serials
        }
        if not any(s in waiting for s in states.values()) or loop.time() >= deadline:
            return {key: state.value for key, state in states.items()}
        await asyncio.sleep(0.2)  # the workers write the store; a CLI can afford to look


async def _read_back(
    station: StationServices, serials: list[TerminalSerial]
) -> dict[str, set[str]]:
    """The ids each terminal holds, read with a plain `listPerson`."""
    from enroll_app.services.records import with_client
    from enroll_app.terminal.client import TerminalClient

    async def ids(client: TerminalClient) -> set[str]:
        return {p.id for p in await client.list_persons()}

    return {serial: await with_client(station, serial, ids) for serial in serials}


def _print_summary(result: dict[str, Any]) -> None:
    if result.get("offboard"):
        _print_offboard(result)
        return
    for row in result["rows"]:
        status = row.get("status", row["action"])
        if status not in ("created", "updated", "unchanged", "create", "update"):
            print(f"row {row['row']} ({row['id']}): {status}: {'; '.join(row['errors'])}")
    print("plan: " + ", ".join(f"{k} {v}" for k, v in result["plan"].items()))
    if "report" in result:
        print("import: " + ", ".join(f"{k} {v}" for k, v in result["report"].items()))
        for serial, seen in result["read_back"].items():
            missing = seen["missing"]
            text = f"missing {', '.join(missing)}" if missing else "all imported persons present"
            print(f"terminal {serial}: holds {seen['persons']} persons, {text}")
    print("OK" if result["ok"] else "NOT everything was imported: see the rows above")


def _print_offboard(result: dict[str, Any]) -> None:
    for person_id, serials in result["removals"].items():
        print(f"{person_id}: remove from {', '.join(serials) or 'no terminal (not placed)'}")
    for person_id in result["unknown"]:
        print(f"{person_id}: not known to this station")
    if "refused" in result:
        print(result["refused"])
    for serial, ids in result.get("still_held", {}).items():
        print(f"terminal {serial}: " + (f"still holds {', '.join(ids)}" if ids else "done"))
    print("OK" if result["ok"] else "NOT everything was removed: see above")
