"""HR import: sheets (CSV UTF-8/GBK, XLSX) as text, mapping, dry run, run, cancel, report, re-import."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import openpyxl
import pytest
import pytest_asyncio
from import_photos import write_photo

from enroll_app.services.importer import (
    ImportProgress,
    ImportService,
    Sheet,
    SheetError,
    guess_mapping,
    parse_time,
    read_sheet,
)
from enroll_app.services.reconcile import GuardRequired
from enroll_app.services.station import StationServices
from enroll_app.store import (
    UNLIMITED_PASSES,
    AuditFilter,
    OutboxOp,
    PersonId,
    PersonKind,
    TerminalSerial,
    outbox,
)

DOORS = [TerminalSerial("SN-IMPORT-A"), TerminalSerial("SN-IMPORT-B")]
EXCEL_ID_WARNING = "The ID number's check character should be 3: a digit may be mistyped"
ZH_HEADERS = ["工号", "姓名", "卡号", "身份证号", "有效期至", "次数", "类型"]


@pytest_asyncio.fixture
async def station() -> AsyncIterator[StationServices]:
    opened = StationServices()
    await opened.start()
    yield opened
    await opened.aclose()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


async def add_doors(station: StationServices) -> None:
    for number, serial in enumerate(DOORS, start=2):
        # Addresses no terminal listens on: delivery is not what these tests look at.
        await station.store.upsert_terminal(serial, f"127.0.0.{number}", 9, name=serial)


# ---- reading -----------------------------------------------------------------------------------


def test_csv_with_chinese_headers_keeps_ids_as_text(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "staff.csv",
        [ZH_HEADERS, ["007", "张伟", "0012345", "11010519491231002X", "2030-01-31", "", "员工"]],
        encoding="utf-8-sig",
    )
    sheet = read_sheet(path)
    assert sheet.headers == ZH_HEADERS
    assert sheet.rows == [
        ["007", "张伟", "0012345", "11010519491231002X", "2030-01-31", "", "员工"]
    ]
    assert sheet.row_numbers == [2]
    mapping = guess_mapping(sheet.headers)
    assert mapping == {
        "id": 0, "name": 1, "ic_no": 2, "id_no": 3, "end_ts": 4, "pass_count": 5, "kind": 6,
    }  # fmt: skip


def test_gbk_csv_with_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("编号;姓名\n0042;李娜\n\n0043;王芳\n".encode("gbk"))
    sheet = read_sheet(path)
    assert sheet.headers == ["编号", "姓名"]
    assert sheet.rows == [["0042", "李娜"], ["0043", "王芳"]]
    assert sheet.row_numbers == [2, 4]  # the blank line is skipped but numbering stays honest


def test_excel_unicode_text_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("工号\t姓名\n0001\t赵六\n".encode("utf-16"))
    sheet = read_sheet(path)
    assert (sheet.headers, sheet.rows) == (["工号", "姓名"], [["0001", "赵六"]])


def test_xlsx_numbers_dates_and_zero_padded_ids(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Person ID", "Name", "ID number", "Valid from", "Valid until", "Pass count"])
    sheet.append(["007", "Ann", "110105194912310021", dt.datetime(2026, 3, 1),
                  dt.datetime(2026, 3, 31, 18, 0), 5])  # fmt: skip
    sheet.append([42, "Bob", None, None, None, 3.0])
    sheet["A3"].number_format = "000000"  # shows as 000042 in Excel
    sheet.append([43.0, "Cy", None, None, None, None])
    book.save(tmp_path / "staff.xlsx")
    read = read_sheet(tmp_path / "staff.xlsx")
    assert read.rows[0] == [
        "007",
        "Ann",
        "110105194912310021",
        "2026-03-01",
        "2026-03-31 18:00:00",
        "5",
    ]
    assert read.rows[1][:2] == ["000042", "Bob"]
    assert read.rows[1][5] == "3"
    assert read.rows[2][0] == "43"
    mapping = guess_mapping(read.headers)
    assert mapping["id"] == 0
    assert mapping["id_no"] == 2  # "ID number" is the ID card, not the person id
    assert (mapping["start_ts"], mapping["end_ts"], mapping["pass_count"]) == (3, 4, 5)


def test_unreadable_sheets_say_why(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"\n\n")
    with pytest.raises(SheetError, match="empty"):
        read_sheet(tmp_path / "empty.csv")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SheetError, match="XLSX"):
        read_sheet(tmp_path / "broken.xlsx")
    with pytest.raises(SheetError, match="Cannot read"):
        read_sheet(tmp_path / "missing.csv")


def test_dates_accept_the_forms_hr_sheets_use() -> None:
    end = parse_time("2026/3/1", end_of_day=True)
    assert dt.datetime.fromtimestamp(end) == dt.datetime(2026, 3, 1, 23, 59, 59)
    start = parse_time("2026年3月1日", end_of_day=False)
    assert dt.datetime.fromtimestamp(start) == dt.datetime(2026, 3, 1)
    assert parse_time("不限", end_of_day=True) == -1
    assert parse_time("1800000000", end_of_day=True) == 1_800_000_000
    with pytest.raises(ValueError, match="not a date"):
        parse_time("next tuesday", end_of_day=True)


# ---- plan and run ------------------------------------------------------------------------------


def staff_sheet(tmp_path: Path) -> tuple[Path, Path]:
    """Five rows: two good, one without photo, one blurred, one the mirrored face of row 2."""
    photos = tmp_path / "photos"
    write_photo(photos, "007", "yao")
    write_photo(photos, "0100", "player")
    write_photo(photos, "0300", "yao_blurred")
    write_photo(photos, "0400", "yao_mirrored")
    path = write_csv(
        tmp_path / "staff.csv",
        [
            ZH_HEADERS,
            ["007", "姚明", "123456", "11010519491231002X", "2030-12-31", "", "员工"],
            ["0100", "Player", "", "110105194912310000", "", "10", ""],
            ["0200", "No Photo", "", "", "", "", ""],
            ["0300", "Blurred", "", "", "", "", ""],
            ["0400", "Same Face", "", "", "", "", "访客"],
        ],
    )
    return path, photos


@pytest.mark.asyncio
async def test_dry_run_plans_every_row_and_writes_nothing(
    station: StationServices, tmp_path: Path
) -> None:
    await add_doors(station)
    path, photos = staff_sheet(tmp_path)
    sheet = read_sheet(path)
    importer = ImportService(station)
    seen: list[ImportProgress] = []
    plan = await importer.plan(sheet, guess_mapping(sheet.headers), photos, DOORS,
                               on_progress=seen.append)  # fmt: skip

    by_id = {row.person_id: row for row in plan.rows}
    assert [row.row_no for row in plan.rows] == [2, 3, 4, 5, 6]
    assert by_id["007"].action == "create"
    assert by_id["007"].warnings == []
    assert by_id["0100"].warnings == ["ID number: " + EXCEL_ID_WARNING]
    assert by_id["007"].per_terminal == dict.fromkeys(DOORS, "create")
    assert by_id["007"].photo == photos / "007.jpg"
    assert by_id["0100"].action == "create"
    assert by_id["0200"].action == "error"
    assert by_id["0200"].errors == [f"no photo for 0200 in {photos}"]
    assert by_id["0200"].per_terminal == dict.fromkeys(DOORS, "error")
    assert by_id["0300"].action == "error"
    assert "blurred" in " ".join(by_id["0300"].errors).lower()
    assert by_id["0400"].action == "error"
    assert "same face as row 2" in " ".join(by_id["0400"].errors)
    assert plan.summary() == {"create": 2, "update": 0, "unchanged": 0, "error": 3}
    assert [p.done for p in seen] == [1, 2, 3, 4, 5]

    assert await station.store.count_persons() == 0
    assert await station.store.call(outbox.list_outbox) == []
    assert [e for e in await station.store.list_audit(AuditFilter()) if e.actor == "import"] == []


@pytest.mark.asyncio
async def test_run_saves_accepted_rows_with_outbox_entries_then_reimport_is_unchanged(
    station: StationServices, tmp_path: Path
) -> None:
    await add_doors(station)
    path, photos = staff_sheet(tmp_path)
    sheet = read_sheet(path)
    importer = ImportService(station)
    plan = await importer.plan(sheet, guess_mapping(sheet.headers), photos, DOORS)
    report = await importer.run(plan)

    assert report.summary() == {
        "created": 2, "updated": 0, "unchanged": 0, "error": 3, "cancelled": 0,
    }  # fmt: skip
    yao = await station.store.get_person(PersonId("007"), with_photo=True, model_pack=station.pack)
    assert (yao.name, yao.ic_no, yao.source, yao.kind) == (
        "姚明",
        "123456",
        "import",
        PersonKind.STAFF,
    )
    assert yao.photo is not None
    assert len(yao.photo) < 200_000
    assert yao.embedding is not None
    assert dt.datetime.fromtimestamp(yao.end_ts) == dt.datetime(2030, 12, 31, 23, 59, 59)
    player = await station.store.get_person(PersonId("0100"))
    assert (player.pass_count, player.end_ts) == (10, -1)
    owed = await station.store.call(outbox.list_outbox)
    assert sorted((e.person_id, e.serial, e.op) for e in owed) == [
        ("007", DOORS[0], OutboxOp.UPSERT), ("007", DOORS[1], OutboxOp.UPSERT),
        ("0100", DOORS[0], OutboxOp.UPSERT), ("0100", DOORS[1], OutboxOp.UPSERT),
    ]  # fmt: skip
    for entry in owed:  # the sync workers delivered and read back
        await station.store.complete_outbox(entry.id, station.clock())

    again = await importer.plan(sheet, guess_mapping(sheet.headers), photos, DOORS)
    assert {r.person_id: r.action for r in again.rows if r.action != "error"} == {
        "007": "unchanged", "0100": "unchanged",
    }  # fmt: skip
    assert again.rows[0].per_terminal == dict.fromkeys(DOORS, "unchanged")
    # A face already enrolled under another id is refused against the station too.
    write_photo(photos, "0500", "yao_mirrored")
    other = write_csv(tmp_path / "other.csv", [["id", "name"], ["0500", "Mirror"]])
    dup = await importer.plan(read_sheet(other), {"id": 0, "name": 1}, photos, DOORS)
    assert dup.rows[0].action == "error"
    assert "same face as person 007" in dup.rows[0].errors[0]


@pytest.mark.asyncio
async def test_changed_fields_update_only_that_person(
    station: StationServices, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    write_photo(photos, "007", "yao")
    write_photo(photos, "0100", "player")
    rows = [["id", "name", "type"], ["007", "Yao", "staff"], ["0100", "Pat", "visitor"]]
    importer = ImportService(station, clock=lambda: dt.datetime(2026, 5, 4, 9, 0).timestamp())
    first = read_sheet(write_csv(tmp_path / "a.csv", rows))
    report = await importer.run(
        await importer.plan(first, {"id": 0, "name": 1, "kind": 2}, photos, [])
    )
    assert report.count("created") == 2
    visitor = await station.store.get_person(PersonId("0100"))
    assert visitor.kind is PersonKind.VISITOR
    assert visitor.pass_count == 2  # visitor defaults: today until 18:00, two passes
    assert dt.datetime.fromtimestamp(visitor.end_ts) == dt.datetime(2026, 5, 4, 18, 0)

    rows[1][1] = "Yao Ming"
    second = read_sheet(write_csv(tmp_path / "b.csv", rows))
    plan = await importer.plan(second, {"id": 0, "name": 1, "kind": 2}, photos, [])
    assert [r.action for r in plan.rows] == ["update", "unchanged"]
    report = await importer.run(plan)
    assert report.summary()["updated"] == 1
    assert (await station.store.get_person(PersonId("007"))).name == "Yao Ming"
    assert (await station.store.get_person(PersonId("0100"))).pass_count == 2


def three_faces(tmp_path: Path) -> tuple[Sheet, Path]:
    """A sheet of ids 1, 2 and 3 and a folder with a photo of a different person for each."""
    photos = tmp_path / "photos"
    for stem, kind in (("1", "yao"), ("2", "player"), ("3", "gdp")):
        write_photo(photos, stem, kind)
    return read_sheet(write_csv(tmp_path / "s.csv", [["id"], ["1"], ["2"], ["3"]])), photos


@pytest.mark.asyncio
async def test_cancel_mid_run_keeps_the_rows_already_saved(
    station: StationServices, tmp_path: Path
) -> None:
    sheet, photos = three_faces(tmp_path)
    importer = ImportService(station)
    plan = await importer.plan(sheet, {"id": 0}, photos, [])
    assert plan.summary()["create"] == 3
    cancel = asyncio.Event()
    report = await importer.run(plan, on_progress=lambda p: cancel.set(), cancel_event=cancel)
    assert report.cancelled
    assert [r.status for r in report.rows] == ["created", "cancelled", "cancelled"]
    assert await station.store.count_persons() == 1
    assert await station.store.find_person(PersonId("1")) is not None


@pytest.mark.asyncio
async def test_a_cancelled_dry_run_is_marked_and_cannot_be_run(
    station: StationServices, tmp_path: Path
) -> None:
    sheet, photos = three_faces(tmp_path)
    importer = ImportService(station)
    cancel = asyncio.Event()
    plan = await importer.plan(
        sheet, {"id": 0}, photos, [], on_progress=lambda p: cancel.set(), cancel_event=cancel
    )
    assert plan.cancelled
    assert [r.person_id for r in plan.rows] == ["1"]  # the rows decided before the cancel
    with pytest.raises(SheetError, match="dry run was cancelled"):
        await importer.run(plan)  # it would leave rows 2 and 3 out of the report
    assert await station.store.count_persons() == 0
    assert not (await importer.plan(sheet, {"id": 0}, photos, [])).cancelled


@pytest.mark.asyncio
async def test_exported_report_can_be_fixed_and_imported_again(
    station: StationServices, tmp_path: Path
) -> None:
    path, photos = staff_sheet(tmp_path)
    sheet = read_sheet(path)
    importer = ImportService(station)
    report = await importer.run(
        await importer.plan(sheet, guess_mapping(sheet.headers), photos, [])
    )
    exported = tmp_path / "report.csv"
    report.export(exported)
    back = read_sheet(exported)
    assert back.headers == [*ZH_HEADERS, "import status", "import error"]
    statuses = {row[0]: row[-2] for row in back.rows}
    assert statuses == {"007": "created", "0100": "created", "0200": "error",
                        "0300": "error", "0400": "error"}  # fmt: skip
    assert back.rows[2][-1].startswith("no photo")

    # HR fixes the sheet: a photo for 0200, a sharp one for 0300, 0400 gets its own face.
    write_photo(photos, "0200", "gdp")
    (photos / "0300.jpg").unlink()
    write_photo(tmp_path / "elsewhere", "x", "yao")  # unrelated folder, not used
    (photos / "0400.jpg").unlink()
    rows = [back.headers, *back.rows]
    rows = [r for r in rows if r[0] not in ("0300", "0400")]
    fixed = write_csv(tmp_path / "fixed.csv", rows, encoding="utf-8-sig")
    sheet2 = read_sheet(fixed)
    mapping = guess_mapping(sheet2.headers)
    assert "import status" not in [sheet2.headers[i] for i in mapping.values()]
    plan = await importer.plan(sheet2, mapping, photos, [])
    assert {r.person_id: r.action for r in plan.rows} == {
        "007": "unchanged", "0100": "unchanged", "0200": "create",
    }  # fmt: skip
    second = await importer.run(plan)
    assert second.summary()["created"] == 1
    assert (await station.store.get_person(PersonId("0200"))).pass_count == UNLIMITED_PASSES


@pytest.mark.asyncio
async def test_bad_values_are_row_errors_naming_the_field(
    station: StationServices, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    write_photo(photos, "1", "yao")
    sheet = read_sheet(write_csv(tmp_path / "bad.csv", [
        ["id", "card", "pass count", "valid until", "type"],
        ["1", "12ab", "many", "someday", "boss"],
        ["bad id", "", "", "", ""],
        ["", "", "", "", ""],
        ["1", "", "", "", ""],
    ]))  # fmt: skip
    plan = await ImportService(station).plan(sheet, guess_mapping(sheet.headers), photos, [])
    first = " ".join(plan.rows[0].errors)
    assert "Pass count" in first
    assert "Valid until" in first
    assert "Type" in first
    assert plan.rows[0].action == "error"
    assert "must not contain" in plan.rows[1].errors[0]
    assert "also in row 2" in " ".join(plan.rows[2].errors)
    assert plan.summary()["error"] == 3


@pytest.mark.asyncio
async def test_offboarding_removes_everywhere_and_guards_mass_removal(
    station: StationServices, tmp_path: Path
) -> None:
    await add_doors(station)
    photos = tmp_path / "photos"
    for stem, kind in (("1", "yao"), ("2", "player"), ("3", "gdp")):
        write_photo(photos, stem, kind)
    importer = ImportService(station)
    sheet = read_sheet(write_csv(tmp_path / "s.csv", [["id"], ["1"], ["2"], ["3"]]))
    await importer.run(await importer.plan(sheet, {"id": 0}, photos, DOORS))

    for confirmed in (0, 1):
        with pytest.raises(GuardRequired, match="1 of the 3 persons") as refused:
            await importer.offboard(["1", "nobody"], actor="hr", confirmed=confirmed)
        assert (refused.value.serial, refused.value.needed) == (DOORS[0], 2)
    assert not [e for e in await station.store.call(outbox.list_outbox) if e.op is OutboxOp.REMOVE]

    plan = await importer.offboard(["1", "nobody"], actor="hr", confirmed=2)
    assert plan.unknown == ["nobody"]
    assert plan.removals == {PersonId("1"): DOORS}
    assert plan.share == {DOORS[0]: (1, 3), DOORS[1]: (1, 3)}
    removals = [e for e in await station.store.call(outbox.list_outbox) if e.op is OutboxOp.REMOVE]
    assert sorted((e.person_id, e.serial) for e in removals) == [("1", DOORS[0]), ("1", DOORS[1])]
    assert await station.store.find_person(PersonId("1")) is not None  # still on the station
