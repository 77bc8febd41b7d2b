"""HR onboarding and offboarding: a CSV/XLSX sheet plus a photo folder into the store and terminals.

Qt-free; the import dialog and `enroll-station import` both use it::

    sheet = read_sheet(path)                         # CSV (UTF-8 / GBK) or XLSX, ids as text
    mapping = guess_mapping(sheet.headers)           # field -> column; the dialog lets you fix it
    importer = ImportService(station)
    plan = await importer.plan(sheet, mapping, photos_dir, targets)   # dry run: writes nothing
    report = await importer.run(plan, on_progress=cb, cancel_event=event)
    report.export(path)                              # the sheet + status/error; fix, re-import
    await importer.offboard(ids, actor="hr", confirmed=False)

Photos go through the enrollment checks (quality, 640x480 crop, duplicate search) in `plan`;
`run` saves each accepted row with its outbox entries (`store.save_person`, actor "import"),
and the sync workers deliver.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from enroll_app.face.gallery import Gallery, thresholds_for
from enroll_app.face.types import FaceError, read_image
from enroll_app.services.person_fields import check_id_number
from enroll_app.services.reconcile import check_guard
from enroll_app.services.visitors import VisitorPolicy, kick_sync, visitor_defaults
from enroll_app.store.errors import StoreError
from enroll_app.store.records import (
    UNLIMITED_PASSES,
    UNLIMITED_TS,
    Embedding,
    PersonId,
    PersonKind,
    PersonRecord,
    Placement,
    PlacementState,
    TerminalSerial,
    validate_person,
)
from enroll_app.terminal.errors import InvalidInput
from enroll_app.terminal.validation import card_from_decimal, card_from_hex, check_person_id

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from enroll_app.services.station import StationServices

log = logging.getLogger(__name__)

IMPORT_ACTOR = "import"
STATUS_COLUMN = "import status"
ERROR_COLUMN = "import error"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
Action = Literal["create", "update", "unchanged", "error"]
Status = Literal["created", "updated", "unchanged", "error", "cancelled"]


class SheetError(Exception):
    """The sheet, mapping or photo folder cannot be used (the text says why); nothing changed."""


# ---- reading the sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A sheet as text: `headers` (first non-empty row) and `rows` (each padded to the headers).

    `row_numbers[i]` is the line / row number of `rows[i]` in the file, as the operator sees it.
    Every cell is text: ids keep their leading zeros, blank cells are "".
    """

    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    source: Path | None = None


async def load_sheet(path: Path) -> Sheet:
    """`read_sheet` in a worker thread (for the event loop of the GUI)."""
    return await asyncio.to_thread(read_sheet, path)


def read_sheet(path: Path) -> Sheet:
    """Read a CSV (UTF-8, UTF-8 with BOM or GBK; comma, semicolon or tab) or the first sheet of
    an XLSX workbook. Raises `SheetError` for a file that cannot be read or has no header.

    Blocking (disk, XLSX parsing): on the GUI's loop use `await load_sheet(path)`."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            table = _read_xlsx(path)
        else:
            table = _read_csv(path.read_bytes())
    except OSError as exc:
        raise SheetError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return _as_sheet(table, path)


def _as_sheet(table: Iterable[tuple[int, list[str]]], source: Path | None) -> Sheet:
    headers: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    for number, cells in table:
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers = [c.strip() for c in cells]
            continue
        width = len(headers)
        rows.append([c.strip() for c in cells[:width]] + [""] * (width - len(cells)))
        numbers.append(number)
    if headers is None:
        raise SheetError("The sheet is empty: the first row must name the columns")
    while headers and not headers[-1]:  # trailing empty header cells from spreadsheet tools
        headers.pop()
        rows = [r[: len(headers)] for r in rows]
    return Sheet(headers, rows, numbers, source)


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode
    text"), else GB18030 (a superset of GBK, what Chinese Excel saves as "CSV")."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetError("The file starts like UTF-16 text but is damaged") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetError("The CSV file is neither UTF-8 nor GBK text") from None


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    text = decode_csv(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise SheetError(f"The CSV file is damaged near line {reader.line_num}: {exc}") from exc


def _read_xlsx(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for broken files
        raise SheetError(f"{path.name} is not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        return [
            (number, [_cell_text(cell) for cell in row])
            for number, row in enumerate(sheet.iter_rows(), start=1)
        ]
    finally:
        book.close()


def _cell_text(cell: Any) -> str:
    """A cell as the operator sees it: numbers without ".0", zero-padded formats kept."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return _date_text(value)
    if isinstance(value, int | float):
        return _number_text(value, str(getattr(cell, "number_format", "") or ""))
    return str(value)


def _date_text(value: dt.date) -> str:
    if isinstance(value, dt.datetime) and value.time() != dt.time(0, 0):
        return value.isoformat(sep=" ", timespec="seconds")
    return value.isoformat()[:10]  # a date alone: the end of a validity means its last second


def _number_text(value: float, number_format: str) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    text = str(int(value))
    # A format like "000000" shows 42 as 000042: that is the id the operator typed and sees.
    if re.fullmatch(r"0+", number_format):
        text = text.zfill(len(number_format))
    return text


# ---- column mapping ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """One person field a column can map to, with its labels for the mapping dialog."""

    key: str
    en: str
    zh: str
    required: bool = False


FIELDS: tuple[ImportField, ...] = (
    ImportField("id", "Person id", "工号", required=True),
    ImportField("name", "Name", "姓名"),
    ImportField("ic_no", "Card number", "卡号"),
    ImportField("id_no", "ID number", "身份证号"),
    ImportField("start_ts", "Valid from", "有效期开始"),
    ImportField("end_ts", "Valid until", "有效期至"),
    ImportField("pass_count", "Pass count", "通行次数"),
    ImportField("kind", "Type (staff / visitor)", "人员类型"),
    ImportField("photo", "Photo file", "照片文件"),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)

# Normalised header names (see `_norm`), most specific fields first: "ID number" must not
# become the person id.
_ALIASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("id_no", ("idnumber", "idno", "idcard", "idcardno", "idcardnumber", "nationalid",
               "身份证", "身份证号", "身份证号码", "证件号", "证件号码", "身份证件号")),
    ("ic_no", ("card", "cardno", "cardnumber", "icno", "iccard", "icnumber", "卡号",
               "ic卡号", "门禁卡号", "卡片号", "卡号码")),
    ("id", ("id", "personid", "employeeid", "employeeno", "staffid", "staffno", "empno",
            "userid", "工号", "编号", "员工编号", "人员编号", "人员id", "员工号", "学号")),
    ("name", ("name", "fullname", "personname", "姓名", "名字", "员工姓名", "人员姓名")),
    ("start_ts", ("validfrom", "start", "starttime", "startts", "startdate", "from",
                  "开始时间", "生效时间", "生效日期", "有效期开始", "有效期起", "起始时间",
                  "开始日期")),
    ("end_ts", ("validuntil", "validto", "end", "endtime", "endts", "enddate", "expires",
                "expiry", "until", "结束时间", "失效时间", "失效日期", "有效期至", "有效期",
                "有效期结束", "截止时间", "截止日期", "结束日期")),
    ("pass_count", ("passcount", "passes", "次数", "通行次数", "可通行次数", "允许次数")),
    ("kind", ("type", "kind", "persontype", "category", "类型", "人员类型", "身份", "类别")),
    ("photo", ("photo", "photofile", "picture", "image", "照片", "照片文件", "图片", "相片",
               "照片文件名")),
)  # fmt: skip


def _norm(header: str) -> str:
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", header)  # "工号(必填)" → "工号"
    return re.sub(r"[\s_\-:：*./#]+", "", text).casefold()


def guess_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Field key → column index for the headers it recognises (English and Chinese).

    Each field and each column is used at most once; the import's own status / error
    columns (from an exported report) are never mapped.
    """
    mapping: dict[str, int] = {}
    used: set[int] = set()
    names = [_norm(h) for h in headers]
    skip = {_norm(STATUS_COLUMN), _norm(ERROR_COLUMN)}
    for key, aliases in _ALIASES:
        for index, name in enumerate(names):
            if index not in used and name not in skip and name in aliases:
                mapping[key] = index
                used.add(index)
                break
    return mapping


def check_mapping(headers: Sequence[str], mapping: dict[str, int]) -> list[str]:
    """Problems with a mapping (operator text); empty when it can be imported."""
    problems = [f"unknown field {k!r}" for k in mapping if k not in FIELD_KEYS]
    problems += [f"{k} maps to column {i + 1}, which does not exist"
                 for k, i in mapping.items() if not 0 <= i < len(headers)]  # fmt: skip
    if "id" not in mapping:
        problems.append("No column is mapped to the person id")
    if len(set(mapping.values())) != len(mapping):
        problems.append("One column is mapped to two fields")
    return problems


def ids_from_sheet(sheet: Sheet, mapping: dict[str, int] | None = None) -> list[str]:
    """The person ids of an offboarding list: the mapped id column, else the first column."""
    index = (mapping or guess_mapping(sheet.headers)).get("id", 0)
    ids = (row[index].strip() for row in sheet.rows if index < len(row))
    return list(dict.fromkeys(i for i in ids if i))


def preview(sheet: Sheet, mapping: dict[str, int], count: int = 10) -> list[dict[str, str]]:
    """The first `count` rows as field key → cell text, for the mapping dialog's preview."""
    return [
        {key: row[index] for key, index in mapping.items() if index < len(row)}
        for row in sheet.rows[:count]
    ]


# ---- parsing cells ----------------------------------------------------------------------------

_UNLIMITED_WORDS = {"-1", "unlimited", "none", "never", "不限", "无限", "永久", "长期", "无限制"}
_VISITOR_WORDS = {"visitor", "guest", "访客", "来访", "来宾", "临时", "temporary"}
_STAFF_WORDS = {"staff", "employee", "member", "员工", "职员", "正式", "内部"}


def parse_time(text: str, *, end_of_day: bool) -> float:
    """Epoch seconds from a cell: ISO date/time (also 2026/3/1, 2026年3月1日), epoch seconds or
    ms, or -1 / 不限 for unlimited. A date alone means its start, or its last second for
    `end_of_day`. Raises ValueError with the accepted forms."""
    value = text.strip()
    if value.casefold() in _UNLIMITED_WORDS:
        return UNLIMITED_TS
    if value.isdigit() and len(value) >= 9:
        number = int(value)
        return number / 1000 if number > 10**11 else float(number)
    cleaned = re.sub(r"[年月/.]", "-", value).replace("日", "").replace("T", " ").strip()
    cleaned = re.sub(r"\b(\d)\b", r"0\1", cleaned)  # 2026-3-1 → 2026-03-01
    try:
        when = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use 2026-03-01, 2026-03-01 18:00 or -1 for unlimited"
        ) from None
    if end_of_day and len(cleaned) <= 10:
        when = when.replace(hour=23, minute=59, second=59)
    return when.timestamp()


def parse_pass_count(text: str) -> int:
    """A pass count cell: 0..10000, or unlimited (不限) as 10000."""
    value = text.strip()
    if value.casefold() in _UNLIMITED_WORDS:
        return UNLIMITED_PASSES
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"pass count {text!r} is not a number") from None
    if not number.is_integer() or not 0 <= number <= UNLIMITED_PASSES:
        raise ValueError(f"pass count must be a whole number 0..{UNLIMITED_PASSES}")
    return int(number)


def parse_card(text: str) -> str:
    """A card number cell in decimal, or hex when it has a-f letters or a 0x prefix."""
    value = text.strip()
    try:
        if value.lower().startswith("0x") or re.search(r"[a-fA-F]", value):
            return card_from_hex(value)
        return card_from_decimal(value)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from None


def parse_kind(text: str) -> PersonKind:
    """staff / visitor, in English or Chinese."""
    value = text.strip().casefold()
    if value in _VISITOR_WORDS:
        return PersonKind.VISITOR
    if value in _STAFF_WORDS:
        return PersonKind.STAFF
    raise ValueError(f"type {text!r} is neither staff (员工) nor visitor (访客)")


# ---- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoResult:
    """An accepted photo: the 640x480 enrollment JPEG and the embedding it gave."""

    jpeg: bytes = field(repr=False)
    embedding: npt.NDArray[np.float32] = field(repr=False)
    model_pack: str


@dataclass
class RowPlan:
    """What importing one row would do: the person-level `action`, why it cannot (`errors`),
    the action per terminal serial, and the photo file found for it.

    `warnings` do not stop the row (a face close to someone else's, for review).
    `person` is the record that would be saved (None for error rows).
    """

    row_no: int
    person_id: str
    action: Action
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    per_terminal: dict[str, Action] = field(default_factory=dict)
    photo: Path | None = None
    person: PersonRecord | None = field(default=None, repr=False)
    photo_result: PhotoResult | None = field(default=None, repr=False)
    cells: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `import --dry-run --json`."""
        return {
            "row": self.row_no,
            "id": self.person_id,
            "action": self.action,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "terminals": dict(self.per_terminal),
            "photo": str(self.photo) if self.photo else None,
        }


@dataclass
class ImportPlan:
    """The dry run of one import: a `RowPlan` per data row, in sheet order.

    `cancelled`: the dry run was stopped early and `rows` holds only the rows decided until
    then; such a plan is for showing, `ImportService.run` refuses it.
    """

    sheet: Sheet
    mapping: dict[str, int]
    targets: list[TerminalSerial]
    rows: list[RowPlan]
    cancelled: bool = False

    def count(self, action: Action) -> int:
        """How many rows would get `action`."""
        return sum(1 for r in self.rows if r.action == action)

    def summary(self) -> dict[str, int]:
        """Rows per action."""
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}


@dataclass(frozen=True)
class ImportProgress:
    """Progress of `plan` or `run`: rows done of `total`, the row just handled."""

    stage: Literal["plan", "run"]
    done: int
    total: int
    row_no: int
    person_id: str


ProgressCallback = Callable[[ImportProgress], None]


class CancelFlag(Protocol):
    """`asyncio.Event` or `threading.Event`: set means stop after the current row."""

    def is_set(self) -> bool:
        """True once cancelled."""
        ...


@dataclass
class RowResult:
    """How one row ended: `created`, `updated`, `unchanged`, `error` or `cancelled`."""

    row_no: int
    person_id: str
    status: Status
    errors: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the CLI report."""
        return {"row": self.row_no, "id": self.person_id, "status": self.status,
                "errors": list(self.errors)}  # fmt: skip


@dataclass
class ImportReport:
    """The outcome of `run`, one `RowResult` per row; `export` writes it as a fixable CSV."""

    headers: list[str]
    rows: list[RowResult]
    cancelled: bool = False

    def count(self, status: Status) -> int:
        """How many rows ended with `status`."""
        return sum(1 for r in self.rows if r.status == status)

    def summary(self) -> dict[str, int]:
        """Rows per status."""
        statuses: tuple[Status, ...] = ("created", "updated", "unchanged", "error", "cancelled")
        return {s: self.count(s) for s in statuses}

    def saved_ids(self) -> list[PersonId]:
        """Persons created or updated."""
        return [PersonId(r.person_id) for r in self.rows if r.status in ("created", "updated")]

    def export(self, path: Path) -> None:
        """The sheet's columns plus status and error, UTF-8 with BOM (Excel reads Chinese).

        Fix the error rows and import the file again: done rows come back `unchanged`.
        Blocking (a file write): on the GUI's loop run it with `asyncio.to_thread`.
        """
        keep = [i for i, h in enumerate(self.headers) if h not in (STATUS_COLUMN, ERROR_COLUMN)]
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([self.headers[i] for i in keep] + [STATUS_COLUMN, ERROR_COLUMN])
            for row in self.rows:
                cells = [row.cells[i] if i < len(row.cells) else "" for i in keep]
                writer.writerow([*cells, row.status, "; ".join(row.errors)])
        tmp.replace(path)


class PhotoIndex:
    """The photo folder by file stem (case-folded): `<id>.jpg`, or a name from the sheet."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._by_stem: dict[str, list[Path]] = {}
        self._by_name: dict[str, Path] = {}
        if folder is None:
            return
        if not folder.is_dir():
            raise SheetError(f"The photo folder {folder} does not exist")
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in PHOTO_SUFFIXES and path.is_file():
                self._by_stem.setdefault(path.stem.casefold(), []).append(path)
                self._by_name[path.name.casefold()] = path

    def find(self, person_id: str, file_name: str = "", name: str = "") -> Path | None:
        """The photo named in the sheet, else `<id>.*`, else `<name>.*` when only one has it."""
        if file_name:
            found = self._by_name.get(Path(file_name).name.casefold())
            if found is None:
                found = next(iter(self._by_stem.get(Path(file_name).stem.casefold(), [])), None)
            return found
        for stem in (person_id, name):
            candidates = self._by_stem.get(stem.casefold(), []) if stem else []
            if len(candidates) >= 1:
                return candidates[0]
        return None


@dataclass
class _Planning:
    """What planning one sheet carries from row to row."""

    mapping: dict[str, int]
    index: PhotoIndex
    serials: list[TerminalSerial]
    placements: dict[PersonId, list[Placement]]
    seen: dict[str, int] = field(default_factory=dict)  # id -> first row
    faces: Gallery | None = None  # the sheet's own accepted faces
    face_rows: dict[str, int] = field(default_factory=dict)


# ---- the service ------------------------------------------------------------------------------


class PhotoAssessor(Protocol):
    """The enrollment checks (E1's `EnrollmentService.assess`)."""

    async def assess(self, image_bgr: Any) -> Any:
        """An `Assessment` (report, photo, embedding, matches, model_pack)."""
        ...


class ImportService:
    """Plans and runs imports, and offboards by list, over one station.

    `assessor` defaults to the station's enrollment service (same quality, crop and
    duplicate checks as the Enroll page). `clock` gives "now" for visitor defaults, which
    follow `visitor_policy` (the station's by default).
    """

    def __init__(
        self,
        station: StationServices,
        *,
        assessor: PhotoAssessor | None = None,
        visitor_policy: VisitorPolicy | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._station = station
        self._assessor = assessor
        self.visitor_policy = visitor_policy or station.visitor_policy
        self._clock = clock or station.clock

    def _enrollment(self) -> PhotoAssessor:
        if self._assessor is None:
            found = getattr(self._station, "enrollment", None)
            if found is None:
                from enroll_app.services.enroll import EnrollmentService

                found = EnrollmentService(self._station)
            self._assessor = found
        return self._assessor

    # ---- plan ----------------------------------------------------------------------------

    async def plan(
        self,
        sheet: Sheet,
        mapping: dict[str, int],
        photos_dir: Path | None,
        targets: Iterable[str],
        *,
        on_progress: ProgressCallback | None = None,
        cancel_event: CancelFlag | None = None,
        check_photos: bool = True,
    ) -> ImportPlan:
        """Decide every row without writing anything (the dry run).

        Each row is parsed and validated, its photo found and (with `check_photos`) run
        through quality, crop and the duplicate search against the station and the rows
        above it. A duplicate face of a different id, a bad photo, a repeated id or a
        value a terminal would refuse makes the row an error; the others are create /
        update / unchanged, also per terminal. Cancelling stops before the next row: the plan
        is then marked `cancelled` and holds the rows decided so far (to show, not to run).
        Raises `SheetError` for an unusable mapping.
        """
        if problems := check_mapping(sheet.headers, mapping):
            raise SheetError("; ".join(problems))
        serials = [TerminalSerial(s) for s in dict.fromkeys(targets)]
        index = await asyncio.to_thread(PhotoIndex, photos_dir)
        store = self._station.store
        ids = [PersonId(_cell(row, mapping, "id")) for row in sheet.rows]
        placements = await store.placements_of([i for i in ids if i])
        state = _Planning(mapping, index, serials, placements)
        planned: list[RowPlan] = []
        cancelled = False
        for number, row in zip(sheet.row_numbers, sheet.rows, strict=True):
            if cancel_event is not None and cancel_event.is_set():
                cancelled = True
                break
            plan = await self._plan_row(number, row, state)
            if check_photos and plan.action != "error" and plan.photo is not None:
                await self._check_photo(plan, state)
            if plan.action != "error":
                await self._decide(plan, serials, placements.get(PersonId(plan.person_id), []))
            else:
                plan.per_terminal = dict.fromkeys(serials, "error")
            planned.append(plan)
            if on_progress is not None:
                on_progress(ImportProgress("plan", len(planned), len(sheet.rows), number,
                                           plan.person_id))  # fmt: skip
        return ImportPlan(sheet, dict(mapping), serials, planned, cancelled)

    async def _plan_row(self, number: int, row: list[str], state: _Planning) -> RowPlan:
        mapping, index, seen = state.mapping, state.index, state.seen
        person_id = _cell(row, mapping, "id")
        plan = RowPlan(number, person_id, "create", cells=list(row))
        if person_id in seen:
            plan.errors.append(f"id {person_id} is also in row {seen[person_id]}")
        elif person_id:
            seen[person_id] = number
        existing = await self._station.store.find_person(PersonId(person_id)) if person_id else None
        if existing is not None and existing.forgetting:
            plan.errors.append(f"person {person_id} is being forgotten; import again later")
        person = self._person_from_row(row, mapping, existing, plan.errors)
        id_number = check_id_number(_cell(row, mapping, "id_no"))
        if not id_number.ok:  # a warning only: passports and old cards are imported too
            plan.warnings.append(f"ID number: {id_number.en}")
        plan.photo = index.find(
            person_id, _cell(row, mapping, "photo"), _cell(row, mapping, "name")
        )
        if plan.photo is None and _cell(row, mapping, "photo"):
            plan.errors.append(f"photo {_cell(row, mapping, 'photo')} is not in the photo folder")
        # Every imported person needs a face: terminals refuse persons without one, and the
        # duplicate search cannot protect the station from a person it cannot see.
        elif plan.photo is None and (existing is None or not existing.has_photo):
            where = index.folder or "the photo folder"
            plan.errors.append(f"no photo for {person_id or 'this row'} in {where}")
        plan.person = person
        if plan.errors or person is None:
            plan.action, plan.person = "error", None
        return plan

    def _person_from_row(
        self,
        row: list[str],
        mapping: dict[str, int],
        existing: PersonRecord | None,
        errors: list[str],
    ) -> PersonRecord | None:
        """The person to save: sheet values over the stored ones (blank cells keep them)."""
        base = existing or PersonRecord(id=PersonId(_cell(row, mapping, "id") or "?"),
                                        source=IMPORT_ACTOR)  # fmt: skip
        values: dict[str, Any] = {}
        for key, parse in _PARSERS.items():
            text = _cell(row, mapping, key)
            if not text:
                continue
            try:
                values[key] = parse(text)
            except ValueError as exc:
                errors.append(f"{_label(key)}: {exc}")
        person_id = _cell(row, mapping, "id")
        try:
            check_person_id(person_id)
        except InvalidInput as exc:
            errors.append(str(exc))
            return None
        if "name" in mapping and _cell(row, mapping, "name"):
            values["name"] = _cell(row, mapping, "name")
        if "id_no" in mapping and _cell(row, mapping, "id_no"):
            values["id_no"] = _cell(row, mapping, "id_no").upper()
        kind = values.get("kind", base.kind)
        if existing is None and kind is PersonKind.VISITOR:
            defaults = visitor_defaults(self._clock(), self.visitor_policy)
            values.setdefault("start_ts", defaults.start_ts)
            values.setdefault("end_ts", defaults.end_ts)
            values.setdefault("pass_count", defaults.pass_count)
        try:
            person = dataclasses.replace(
                base, id=PersonId(person_id), photo=None, embedding=None, **values
            )
            validate_person(person)
        except (StoreError, ValueError) as exc:
            errors.append(str(exc))
            return None
        return None if errors else person

    async def _check_photo(self, plan: RowPlan, state: _Planning) -> None:
        """Quality, crop and duplicates of the row's photo; errors go on the row."""
        assert plan.photo is not None
        try:
            image = await asyncio.to_thread(read_image, str(plan.photo))
            assessment = await self._enrollment().assess(image)
        except FaceError as exc:
            plan.errors.append(f"photo {plan.photo.name}: {exc}")
            plan.action, plan.person = "error", None
            return
        if not assessment.ok:
            why = "; ".join(c.message("en") for c in assessment.report.failed) or "no usable face"
            plan.errors.append(f"photo {plan.photo.name}: {why}")
        for match in assessment.matches:
            if match.person_id == plan.person_id:
                continue
            if match.verdict == "duplicate":
                plan.errors.append(
                    f"same face as person {match.person_id} {match.name}".rstrip()
                    + f" (similarity {match.similarity:.2f})"
                )
            else:
                plan.warnings.append(
                    f"face looks like person {match.person_id} (similarity {match.similarity:.2f})"
                )
        if assessment.ok:
            self._check_own_rows(plan, assessment, state)
        if plan.errors:
            plan.action, plan.person = "error", None
            return
        plan.photo_result = PhotoResult(
            assessment.jpeg, assessment.embedding, assessment.model_pack
        )

    def _check_own_rows(self, plan: RowPlan, assessment: Any, state: _Planning) -> None:
        """Two rows of one sheet with the same face and different ids: the later is an error."""
        pack = assessment.model_pack
        if state.faces is None:
            state.faces = Gallery(pack=pack)
        gallery, own_rows = state.faces, state.face_rows
        limits = thresholds_for(pack)
        for match in gallery.search(assessment.embedding, k=3, pack=pack):
            if match.person_id != plan.person_id and limits.classify(match.similarity) == (
                "duplicate"
            ):
                plan.errors.append(
                    f"same face as row {own_rows[match.person_id]} (id {match.person_id},"
                    f" similarity {match.similarity:.2f})"
                )
        if not plan.errors and plan.person_id not in gallery:
            gallery.add(plan.person_id, assessment.embedding, pack=pack)
            own_rows[plan.person_id] = plan.row_no

    async def _decide(
        self, plan: RowPlan, serials: list[TerminalSerial], placements: list[Placement]
    ) -> None:
        """create / update / unchanged for the person and for each terminal it goes to."""
        assert plan.person is not None
        store = self._station.store
        existing = await store.find_person(PersonId(plan.person_id))
        changed = existing is None or _fields(existing) != _fields(plan.person)
        if existing is not None and plan.photo_result is not None:
            stored = await store.person_photo(PersonId(plan.person_id))
            changed = changed or stored != plan.photo_result.jpeg
        by_serial = {p.serial: p for p in placements}
        holders = [p.serial for p in placements if _held(p)]
        for serial in sorted({*serials, *holders}):
            placement = by_serial.get(serial)
            if placement is None or not _held(placement):
                plan.per_terminal[serial] = "create"
            elif changed or placement.state is not PlacementState.SYNCED:
                plan.per_terminal[serial] = "update"
            else:
                plan.per_terminal[serial] = "unchanged"
        if existing is None:
            plan.action = "create"
        elif changed or any(a != "unchanged" for a in plan.per_terminal.values()):
            plan.action = "update"
        else:
            plan.action = "unchanged"

    # ---- run -----------------------------------------------------------------------------

    async def run(
        self,
        plan: ImportPlan,
        on_progress: ProgressCallback | None = None,
        cancel_event: CancelFlag | None = None,
    ) -> ImportReport:
        """Save every create / update row of `plan` (one transaction each, with its outbox
        entries); the sync workers deliver. Cancelling stops before the next row: rows
        saved so far stay saved (each whole, with photo and embedding), the rest are reported
        `cancelled` and nothing of them is written; importing the same sheet again finds the
        saved rows `unchanged` and does the rest.

        Rows whose photo was not checked in the plan are checked now. Raises `SheetError` for
        a cancelled dry run: it does not cover every row of the sheet.
        """
        if plan.cancelled:
            raise SheetError("The dry run was cancelled: run it again before importing")
        report = ImportReport(list(plan.sheet.headers), [])
        total = len(plan.rows)
        for done, row in enumerate(plan.rows, start=1):
            if cancel_event is not None and cancel_event.is_set():
                report.cancelled = True
                report.rows.append(RowResult(row.row_no, row.person_id, "cancelled",
                                             cells=row.cells))  # fmt: skip
                continue
            report.rows.append(await self._run_row(row, plan.targets))
            if on_progress is not None:
                on_progress(ImportProgress("run", done, total, row.row_no, row.person_id))
        kick_sync(self._station)
        return report

    async def _run_row(self, row: RowPlan, targets: list[TerminalSerial]) -> RowResult:
        result = RowResult(row.row_no, row.person_id, "error", list(row.errors), row.cells)
        if row.action == "error" or row.person is None:
            return result
        if row.action == "unchanged":
            result.status = "unchanged"
            return result
        if row.photo is not None and row.photo_result is None:
            await self._check_photo(row, _Planning({}, PhotoIndex(None), targets, {}))
            if row.photo_result is None:
                result.errors = list(row.errors)
                return result
        person = row.person
        if row.photo_result is not None:
            shot = row.photo_result
            person = dataclasses.replace(
                person,
                photo=shot.jpeg,
                embedding=Embedding.from_array(shot.model_pack, shot.embedding),
            )
        try:
            await self._register_in_store(targets)
            await self._station.store.save_person(person, targets, IMPORT_ACTOR)
        except (StoreError, LookupError) as exc:
            result.errors.append(str(exc))
            return result
        result.status = "created" if row.action == "create" else "updated"
        return result

    async def _register_in_store(self, targets: list[TerminalSerial]) -> None:
        """The store owes outbox entries only to terminals it knows: add registry ones."""
        store = self._station.store
        known = {t.serial for t in await store.list_terminals()}
        for serial in targets:
            if serial not in known:
                terminal = self._station.registry.get(serial)
                await store.upsert_terminal(serial, terminal.host, terminal.port,
                                            name=terminal.name, actor=IMPORT_ACTOR)  # fmt: skip

    # ---- offboarding ---------------------------------------------------------------------

    async def offboard_plan(self, ids: Iterable[str]) -> OffboardPlan:
        """Which terminals each listed person would be removed from; unknown ids listed;
        per terminal, how many of the persons it holds would go."""
        wanted = [PersonId(i.strip()) for i in dict.fromkeys(ids) if i.strip()]
        store = self._station.store
        placements = await store.placements_of(wanted)
        plan = OffboardPlan()
        for person_id in wanted:
            if await store.find_person(person_id) is None:
                plan.unknown.append(person_id)
                continue
            held_by = placements.get(person_id, [])
            plan.removals[person_id] = sorted(p.serial for p in held_by if _held(p))
        for serial in sorted({s for serials in plan.removals.values() for s in serials}):
            held = len(await store.placements_on(serial))
            leaving = sum(1 for serials in plan.removals.values() if serial in serials)
            plan.share[serial] = (leaving, held)
        return plan

    async def offboard(self, ids: Iterable[str], actor: str, *, confirmed: int = 0) -> OffboardPlan:
        """Remove each listed person from every terminal holding them (they stay on the
        station; forget them separately). Removing more than 20 % of a terminal's persons
        raises the sync service's `GuardRequired` (nothing changed) until `confirmed` is 2:
        the operator was asked twice."""
        plan = await self.offboard_plan(ids)
        for serial, (leaving, held) in plan.share.items():
            check_guard(serial, leaving, held, confirmed)
        store = self._station.store
        for person_id, serials in plan.removals.items():
            if serials:
                await store.remove_person_from(person_id, serials, actor)
        kick_sync(self._station)
        return plan


@dataclass
class OffboardPlan:
    """Removals per person (terminal serials), ids the station does not know, and per
    terminal how many persons would go of how many it holds: serial → (leaving, held)."""

    removals: dict[PersonId, list[TerminalSerial]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    share: dict[TerminalSerial, tuple[int, int]] = field(default_factory=dict)


# ---- helpers ----------------------------------------------------------------------------------


def _cell(row: list[str], mapping: dict[str, int], key: str) -> str:
    index = mapping.get(key)
    return row[index].strip() if index is not None and index < len(row) else ""


def _label(key: str) -> str:
    return next(f.en for f in FIELDS if f.key == key)


def _held(placement: Placement) -> bool:
    return placement.state not in (PlacementState.REMOVING, PlacementState.REMOVED)


def _fields(person: PersonRecord) -> tuple[object, ...]:
    return (*person.terminal_fields(), person.kind)


_PARSERS: dict[str, Callable[[str], object]] = {
    "ic_no": parse_card,
    "start_ts": lambda text: parse_time(text, end_of_day=False),
    "end_ts": lambda text: parse_time(text, end_of_day=True),
    "pass_count": parse_pass_count,
    "kind": parse_kind,
}
