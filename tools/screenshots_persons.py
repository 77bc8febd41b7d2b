"""Screenshots of the Persons page, reconcile view, import dialog and Records page (Xvfb).

    python tools/screenshots_persons.py            # only these shots, in their own Xvfb
    python tools/screenshots_persons.py --display  # on the current $DISPLAY

`tools/screenshots.py` takes them too (`run_all` calls `shoot_all` here). The station gets a
few hundred persons (staff, visitors, expired visitors, failed deliveries) on the three demo
terminals, pass records, a terminal changed by hand, and an HR sheet with photos.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests" / "gui")]

import screenshots as shots  # noqa: E402
import station_data  # noqa: E402

PERSONS = 320
PASSES = 240
Shoot = Callable[[dict[str, str], Callable[..., Awaitable[None]]], Awaitable[None]]


async def _demo_station(station: Any) -> dict[Any, tuple[str, str, int]]:
    """Demo terminals named like real doors, filled with persons and pass records."""
    await shots._with_demo(station, "persons")
    context = station.context
    services = await context.station_ready()
    known = services.registry.terminals()
    names = ("Front gate", "Lobby east", "Car park")
    doors = {}
    for terminal, name in zip(sorted(known, key=lambda t: t.host), names, strict=False):
        await services.terminals.write_settings(terminal.serial, {"deviceName": name})
        doors[terminal.serial] = (name, terminal.host, terminal.port)
    await services.terminals.refresh_all()
    for serial, (name, host, port) in doors.items():
        await services.store.upsert_terminal(serial, host, port, name=name, actor="demo")
    now = time.time()
    await services.store.call(station_data.fill, PERSONS, now, doors)
    await services.store.call(station_data.add_passes, PASSES, PERSONS, now, list(doors))
    await services.sync.aclose()  # the shots show the states written above, not deliveries
    return doors


async def _persons_page(station: Any) -> Any:
    page = station.window.page("persons")
    await page.presenter.reload_terminals()
    page.refresh()
    await shots._until(lambda: page.model.rowCount() == PERSONS)
    await station.context.tasks.wait_idle()
    return page


async def persons_views(station: Any) -> None:
    """Persons page (a person with a failed delivery selected), reconcile view, import."""
    doors = await _demo_station(station)
    window = station.window
    page = await _persons_page(station)
    page.search.setText("Chen")
    page.apply_filter()
    await shots._until(lambda: page.model.rowCount() < PERSONS)
    await station.context.tasks.wait_idle()
    shown = [page.model.row(r) for r in range(page.model.rowCount())]
    failed = [r for r, row in enumerate(shown) if row and "failed" in page.model.sync_text(row)]
    row = failed[0] if failed else 0
    page.table.selectRow(row)
    await shots._until(lambda: page.detail.person_id is not None)
    await station.context.tasks.wait_idle()
    await shots._settle()
    shots.save(window, "persons")

    page.search.clear()
    page.visitors_chip.setChecked(True)
    page.apply_filter()
    await station.context.tasks.wait_idle()
    page.table.clearSelection()
    page.detail.clear()
    await shots._settle()
    shots.save(window, "persons-visitors")
    page.visitors_chip.setChecked(False)

    await _reconcile(station, page, next(iter(doors)))
    await _import(station, page)


async def _reconcile(station: Any, page: Any, serial: str) -> None:
    """A terminal someone changed by hand: a person edited, a walk-in added."""
    from dataclasses import replace

    from enroll_app.services.delivery import terminal_person
    from enroll_app.services.records import with_client
    from enroll_app.terminal.records import Person

    services = station.context.station
    held = await services.store.placements_on(serial)
    first = [p.person_id for p in held][:8]
    records = [await services.store.get_person(i, with_photo=True) for i in first]

    async def hand_edit(client: Any) -> None:
        for record in records:
            await client.set_person(terminal_person(record))
        await client.set_person(
            replace(terminal_person(records[1]), pass_count=3, name="Li Fang (old)")
        )
        await client.set_person(
            Person(id="V9001", name="Walk-in contractor", photo=records[0].photo)
        )

    await with_client(services, serial, hand_edit)
    page.terminal_filter.setCurrentIndex(page.terminal_filter.findData(serial))
    page.reconcile()
    dialog = page.reconcile_dialog
    await shots._until(dialog.isVisible)
    dialog.compare()
    await shots._until(lambda: dialog.report is not None)
    await shots._settle()  # not wait_idle: the page's job awaits this dialog
    shots.save(dialog, "reconcile")
    dialog.reject()
    page.terminal_filter.setCurrentIndex(0)


async def _import(station: Any, page: Any) -> None:
    """An HR sheet with photos after its dry run: creates, an update and errors."""
    from enroll_app.face.samples import sample_photo

    folder = Path(tempfile.mkdtemp(prefix="enroll-shots-hr-"))
    photos = folder / "photos"
    photos.mkdir()
    shutil.copy(sample_photo("yaoming.jpg"), photos / "H0001.jpg")
    shutil.copy(station_data.FRAMES / "frame-4.jpg", photos / "H0002.jpg")
    shutil.copy(station_data.FRAMES / "frame-6.jpg", photos / "H0004.jpg")
    rows = [
        ["工号", "姓名", "卡号", "有效期至", "人员类型"],
        ["H0001", "Sun Li", "30001234", "", "staff"],
        ["H0002", "Ma Lin", "30001235", "", "staff"],
        ["H0003", "Guo Jing", "", "", "staff"],
        ["H0004", "Hu Ge", "3000AB", "", "staff"],
        ["E00003", "Liu Wei", "", "2027-06-30", "staff"],
        ["E00007", "Wang Fang", "", "", "visitor"],
    ]
    sheet = folder / "new-hires.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    page.import_sheet()
    dialog = page.import_dialog
    await shots._until(dialog.isVisible)
    dialog.photos_path.setText(str(photos))
    await dialog.load(sheet)
    dialog.check_button.click()
    await shots._until(lambda: dialog.plan is not None)
    await shots._settle()
    shots.save(dialog, "import-dialog")
    dialog.reject()
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)


async def records_view(station: Any) -> None:
    """The Records page with a record's snapshot."""
    await _demo_station(station)
    window = station.window
    window.show_page("records")
    page = window.page("records")
    await page.presenter.reload_terminals()
    page.apply_filter()
    await shots._until(lambda: page.model.rowCount() > 0)
    row = next(r for r in range(page.model.rowCount()) if page.model.record(r).has_photo)
    page.table.selectRow(row)
    await shots._until(lambda: page.photo.pixmap() is not None and not page.photo.pixmap().isNull())
    await shots._settle()
    shots.save(window, "records")


async def edit_photo(station: Any) -> None:
    """The edit dialog after a new photo was checked: it shows someone already enrolled."""
    from enroll_app.face.samples import sample_photo
    from enroll_app.ui.person_edit_dialog import EditPersonDialog

    await _demo_station(station)
    page = await _persons_page(station)
    folder = Path(tempfile.mkdtemp(prefix="enroll-shots-photo-"))
    yao = folder / "yao.jpg"
    shutil.copy(sample_photo("yaoming.jpg"), yao)

    async def choose(person_id: str, photo: Path) -> Any:
        assert page.select_person(person_id)
        await shots._until(lambda: page.detail.person_id == person_id)
        page.edit()
        await shots._until(lambda: _edit_dialog(EditPersonDialog) is not None)
        dialog = _edit_dialog(EditPersonDialog)
        dialog.set_photo_file(str(photo))
        await shots._until(lambda: "…" not in dialog.photo_note.text())
        return dialog

    first = await choose("E00003", yao)
    first.save_button.click()
    await station.context.tasks.wait_idle()
    dialog = await choose("E00010", yao)
    await shots._settle()
    shots.save(dialog, "person-edit-photo")
    dialog.reject()
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)


def _edit_dialog(kind: type) -> Any:
    from PySide6.QtWidgets import QApplication

    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return shown[0] if shown else None


async def shoot_all(shoot: Shoot = shots.shoot) -> None:
    """Every shot of this module, one fresh station each."""
    await shoot({}, persons_views)
    await shoot({}, records_view)
    await shoot({}, edit_photo)
    await shoot({"language": "zh_CN"}, _persons_zh)


async def _persons_zh(station: Any) -> None:
    await _demo_station(station)
    await _persons_page(station)
    await shots._settle()
    shots.save(station.window, "persons-zh_CN")


def run() -> int:
    """Take the shots on the current display."""
    import qasync

    from enroll_app.ui.app import create_application

    os.environ["QT_QPA_PLATFORM"] = "xcb"
    shots.OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="enroll-shots-keys-") as keys:
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        os.environ["XDG_DATA_HOME"] = keys
        app = create_application()
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(shoot_all())
    return 0


def main() -> int:
    """Entry point: an X server of its own unless --display."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--display", action="store_true", help="use $DISPLAY, no Xvfb")
    if parser.parse_args().display:
        return run()
    with shots.xvfb():
        child = [sys.executable, str(Path(__file__).resolve()), "--display"]
        return subprocess.run(child, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
