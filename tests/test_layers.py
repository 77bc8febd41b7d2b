"""The layers of architecture.md hold at run time: the non-UI packages never load Qt."""

from __future__ import annotations

import subprocess
import sys

NON_UI_PACKAGES = [
    "enroll_app.home",
    "enroll_app.terminal.protocol",
    "enroll_app.terminal",
    "enroll_app.simulator",
    "enroll_app.face",
    "enroll_app.camera",
    "enroll_app.store",
    "enroll_app.services",
]


def _walk_and_import(package: str) -> str:
    return f"""
import importlib, pkgutil, sys
root = importlib.import_module({package!r})
for info in pkgutil.walk_packages(getattr(root, "__path__", []), root.__name__ + "."):
    importlib.import_module(info.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "qasync", "shiboken6"))
print(",".join(loaded))
"""


def test_non_ui_packages_never_load_qt() -> None:
    for package in NON_UI_PACKAGES:
        out = subprocess.run(
            [sys.executable, "-c", _walk_and_import(package)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert out == "", f"{package} loaded Qt modules: {out}"


def test_cli_help_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from enroll_app.cli import build_parser\n"
        "build_parser()\n"
        "print(','.join(sorted(m for m in ('cv2','onnxruntime','insightface','PySide6','httpx')"
        " if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
