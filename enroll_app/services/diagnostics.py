"""Diagnostics export: one zip with logs, settings, versions and terminals, secrets scrubbed.

`export_diagnostics()` writes `<station home>/diagnostics/enroll-station-diagnostics-<time>.zip`
(or to `dest`) for the operator to send to support. It holds the station logs, the settings
INI files, versions of the app, Python, libraries and model packs, and the terminal list. It
never holds keys (every `key`/`password`/`secret`/`token` value is replaced, known key values
and ID numbers are masked as in the log), the database, photos or the keyring.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import sys
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from enroll_app import __version__
from enroll_app.face.models import KNOWN_PACKS, pack_status
from enroll_app.home import station_home, station_path
from enroll_app.logs import MASK, log_dir, redact_text
from enroll_app.services.discovery import REGISTRY_FILE

DIAGNOSTICS_DIR = "diagnostics"
# Libraries whose versions support asks for first.
PACKAGES = (
    "PySide6-Essentials",
    "qasync",
    "onnxruntime",
    "opencv-python",
    "numpy",
    "httpx",
    "aiohttp",
    "keyring",
)
# Any setting or JSON field whose name contains one of these is a secret.
_SECRET_NAME = re.compile(r"(?i)(key|password|passwd|secret|token)")
_INI_LINE = re.compile(r"^(\s*)([^=;#\[][^=]*?)(\s*=\s*)(.*)$")
README = """Enroll Station diagnostics

logs/          the station's log files (keys and ID numbers already masked)
settings/      the station's settings files, secret values replaced by ***
terminals.json the known terminals: serial, name, address, firmware (no keys)
versions.json  app, Python, operating system, libraries, model packs

Not included: terminal keys, the person database, photos, pass records.
"""


def export_diagnostics(dest: Path | None = None) -> Path:
    """Write the diagnostics zip and return its path (`dest` or a new file in the home)."""
    if dest is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = station_path(DIAGNOSTICS_DIR) / f"enroll-station-diagnostics-{stamp}.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        for path in _log_files():
            archive.writestr(f"logs/{path.name}", redact_text(_read_text(path)))
        for path in sorted(station_home().glob("*.ini")):
            archive.writestr(f"settings/{path.name}", scrub_ini(_read_text(path)))
        archive.writestr("terminals.json", _json(terminal_list()))
        archive.writestr("versions.json", _json(versions()))
    partial.replace(dest)  # a half-written zip never carries the final name
    return dest


def scrub_ini(text: str) -> str:
    """INI text with secret-named values replaced, then masked like a log line."""
    lines = []
    for line in text.splitlines():
        match = _INI_LINE.match(line)
        secret = match is not None and _SECRET_NAME.search(match.group(2)) is not None
        kept = (
            f"{match.group(1)}{match.group(2)}{match.group(3)}{MASK}" if match and secret else line
        )
        lines.append(redact_text(kept))
    return "\n".join(lines) + "\n"


def scrub_json(value: Any) -> Any:
    """`value` with every secret-named field dropped and every string masked."""
    if isinstance(value, dict):
        return {k: scrub_json(v) for k, v in value.items() if not _is_secret_field(str(k))}
    if isinstance(value, list):
        return [scrub_json(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _is_secret_field(name: str) -> bool:
    # "key_status" says whether the station holds a working key: useful, and no secret.
    return bool(_SECRET_NAME.search(name)) and not name.lower().endswith("status")


def terminal_list() -> Any:
    """The terminal registry as stored (keys are never stored there), scrubbed anyway."""
    path = station_home() / REGISTRY_FILE
    if not path.is_file():
        return {"terminals": [], "note": "no terminal list yet"}
    try:
        return scrub_json(json.loads(_read_text(path)))
    except ValueError as exc:
        return {"error": f"{REGISTRY_FILE} is unreadable: {exc}"}


def versions() -> dict[str, Any]:
    """App, Python, OS, library and model pack versions."""
    packages: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    packs = {}
    for name in KNOWN_PACKS:
        status = pack_status(name)
        packs[name] = {
            "ok": status.ok,
            "source": status.source,
            "folder": str(status.folder) if status.folder else None,
            "error": status.error,
        }
    return {
        "enroll_station": __version__,
        "python": sys.version,
        "platform": platform.platform(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "packages": packages,
        "model_packs": packs,
        "exported_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def _log_files() -> Iterable[Path]:
    folder = log_dir()
    return sorted(p for p in folder.glob("*.log*") if p.is_file())


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
