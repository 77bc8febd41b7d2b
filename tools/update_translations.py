"""Refresh the zh_CN catalogue from the UI sources, then compile it.

    python tools/update_translations.py          # extract new strings, compile the .qm
    python tools/update_translations.py --check  # only compile; fail if anything is unfinished

Workflow: wrap every user-facing string in `self.tr("...")` (inside a QObject class) or
`QCoreApplication.translate("Context", "...")`; put placeholders in as `{name}` and fill them
with `.format(name=...)` AFTER translating. Run this script, open
`enroll_app/ui/translations/enroll_station_zh_CN.ts` (in Qt Linguist: `pyside6-linguist`, or any
editor), fill every `<translation type="unfinished">`, remove the `type` attribute, run the script
again and commit the .ts and the .qm. `tests/gui/test_translations.py` fails on any string
without a translation.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "enroll_app" / "ui"
TS = UI / "translations" / "enroll_station_zh_CN.ts"


def _tool(name: str) -> str:
    beside_python = Path(sys.executable).with_name(name)
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PySide6 (pip install -e .[dev])")
    return found


def sources() -> list[Path]:
    """Every Python file of the UI, in a stable order."""
    return sorted(p for p in UI.rglob("*.py") if "__pycache__" not in p.parts)


def update() -> None:
    """Extract strings into the .ts (new ones unfinished, removed ones dropped)."""
    files = [str(p.relative_to(ROOT)) for p in sources()]
    subprocess.run(
        [
            _tool("pyside6-lupdate"),
            "-no-obsolete",
            "-locations",
            "relative",
            "-target-language",
            "zh_CN",
            *files,
            "-ts",
            str(TS.relative_to(ROOT)),
        ],
        check=True,
        cwd=ROOT,
    )


def release() -> None:
    """Compile the .ts into the .qm the application loads."""
    subprocess.run(
        [_tool("pyside6-lrelease"), str(TS), "-qm", str(TS.with_suffix(".qm"))],
        check=True,
        cwd=ROOT,
    )


def main() -> int:
    """Update and compile (or only compile with --check)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compile the .qm")
    args = parser.parse_args()
    if not args.check:
        update()
    release()
    unfinished = TS.read_text(encoding="utf-8").count('type="unfinished"')
    if unfinished:
        print(f"{unfinished} strings still need a zh_CN translation in {TS.relative_to(ROOT)}")
    return 1 if unfinished and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
