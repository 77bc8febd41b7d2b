"""Every user-facing string of the UI has a zh_CN translation, compiled, and used at run time."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from gui_harness import QLoop, change_preferences, close_station

from enroll_app.ui.app import Station, create_application
from enroll_app.ui.i18n import TRANSLATIONS_DIR

UI = TRANSLATIONS_DIR.parent
TS = TRANSLATIONS_DIR / "enroll_station_zh_CN.ts"
QM = TS.with_suffix(".qm")
PLACEHOLDER = re.compile(r"\{\w*\}|%n|%\d")

Catalogue = dict[tuple[str, str], list[str]]


def _catalogue() -> Catalogue:
    """(context, source) -> translations (several for numerus forms; empty when unfinished)."""
    entries: Catalogue = {}
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            finished = translation.get("type") not in ("unfinished", "vanished", "obsolete")
            forms = [f.text or "" for f in translation.iter("numerusform")] or [
                translation.text or ""
            ]
            entries[(name, message.findtext("source", ""))] = (
                [f for f in forms if f.strip()] if finished else []
            )
    return entries


class _Calls(ast.NodeVisitor):
    """Finds `self.tr("…")` (context: the enclosing class), `translate("Ctx", "…")` and
    `QT_TRANSLATE_NOOP("Ctx", "…")`."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, int]] = []
        self._classes: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._classes.append(node.name)
        self.generic_visit(node)
        self._classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if name == "tr" and self._classes and texts and isinstance(texts[0], str):
            self.found.append((self._classes[-1], texts[0], node.lineno))
        elif (
            name in ("translate", "QT_TRANSLATE_NOOP")
            and len(texts) >= 2
            and all(isinstance(t, str) for t in texts[:2])
        ):
            self.found.append((str(texts[0]), str(texts[1]), node.lineno))
        self.generic_visit(node)


def _source_strings() -> list[tuple[str, str, str]]:
    strings = []
    for path in sorted(UI.rglob("*.py")):
        calls = _Calls()
        calls.visit(ast.parse(path.read_text(encoding="utf-8")))
        strings += [(f"{path.name}:{line}", ctx, text) for ctx, text, line in calls.found]
    return strings


def test_the_scan_finds_the_shell_strings() -> None:
    found = {(ctx, text) for _, ctx, text in _source_strings()}
    assert ("MainWindow", "Enroll Station") in found
    assert ("Pages", "Export to Excel") in found
    assert ("TerminalsModel", "Key rejected") in found  # marked, translated where shown
    assert len(found) > 50


def test_every_source_string_has_a_zh_cn_translation() -> None:
    catalogue = _catalogue()
    missing = [
        f"{where} [{ctx}] {text!r}"
        for where, ctx, text in _source_strings()
        if not catalogue.get((ctx, text))
    ]
    assert not missing, (
        "strings without a zh_CN translation (run tools/update_translations.py, translate "
        "them in the .ts, run it again):\n" + "\n".join(missing)
    )


def test_the_catalogue_has_nothing_unfinished() -> None:
    unfinished = [f"[{ctx}] {text!r}" for (ctx, text), forms in _catalogue().items() if not forms]
    assert not unfinished, "\n".join(unfinished)


def test_translations_keep_every_placeholder() -> None:
    wrong = [
        f"[{ctx}] {text!r} -> {form!r}"
        for (ctx, text), forms in _catalogue().items()
        for form in forms
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(form))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    tool = str(lrelease) if lrelease.exists() else shutil.which("pyside6-lrelease")
    assert tool is not None, "pyside6-lrelease is part of PySide6"
    fresh = tmp_path / "fresh.qm"
    subprocess.run([tool, "-silent", str(TS), "-qm", str(fresh)], check=True)
    assert QM.read_bytes() == fresh.read_bytes(), "run tools/update_translations.py"


def test_the_window_speaks_chinese_when_asked(qloop: QLoop) -> None:
    change_preferences(language="zh_CN")
    station = Station.open(create_application())
    window = station.window
    titles = [window.page_list.item(i).text() for i in range(window.page_list.count())]
    title, counts = window.windowTitle(), window.status.terminals_label.text()
    close_station(station, qloop)
    assert title == "人脸登记工作站"
    assert titles[:4] == ["登记", "人员", "终端", "通行记录"]
    assert "暂无终端" in counts

    change_preferences(language="en")
    english = Station.open(create_application())
    title = english.window.windowTitle()
    close_station(english, qloop)
    assert title == "Enroll Station"  # the Chinese translator was removed on close
