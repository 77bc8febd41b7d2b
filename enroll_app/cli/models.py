"""`enroll-station models list | verify | install NAME [--from ZIP_OR_URL_OR_FOLDER]`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from enroll_app.cli import UsageError


def register(subparsers: Any) -> None:
    """Add the `models` command and its three subcommands."""
    parser = subparsers.add_parser("models", help="list, verify and install face model packs")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="known packs, where they are, whether they verify")
    listing.set_defaults(func=list_packs)

    verify = sub.add_parser("verify", help="check every file of a pack against its sha256")
    verify.add_argument("name", nargs="?", help="pack to verify (default: every pack found)")
    verify.add_argument("--folder", type=Path, help="verify the pack in this folder only")
    verify.set_defaults(func=verify_packs)

    install = sub.add_parser("install", help="download or import a model pack")
    install.add_argument("name", help="pack name, e.g. buffalo_l")
    install.add_argument(
        "--from",
        dest="source",
        metavar="ZIP_OR_URL",
        help="a local zip, a folder with the files, or an http(s) URL (default: official zip)",
    )
    install.add_argument("--sha256", help="expected sha256 of the zip, if you have it")
    install.add_argument("--base-url", help="mirror serving <base-url>/<name>.zip")
    install.set_defaults(func=install_pack)


def list_packs(args: argparse.Namespace) -> int:
    """Print each known pack with its status and folder, then the licence notice."""
    from enroll_app.face.models import DEFAULT_PACK, KNOWN_PACKS, licence_notice, pack_status

    for name, spec in KNOWN_PACKS.items():
        status = pack_status(name)
        mark = "ok" if status.ok else ("BROKEN" if status.folder else "not installed")
        default = " (default)" if name == DEFAULT_PACK else ""
        print(f"{name}{default}: {mark} - {spec.description}")
        if status.folder is not None:
            print(f"    {status.folder} [{status.source}]")
        if status.error and status.folder is not None:
            print(f"    {status.error}")
    print()
    print(licence_notice().rstrip())
    return 0


def verify_packs(args: argparse.Namespace) -> int:
    """Verify one pack (or every pack found); exit 1 if any file is missing or altered."""
    from enroll_app.face.models import KNOWN_PACKS, find_pack, pack_spec, pack_status
    from enroll_app.face.types import ModelPackError

    names = [args.name] if args.name else list(KNOWN_PACKS)
    if args.folder is not None and not args.name:
        raise UsageError("--folder needs a pack name")
    failures = verified = 0
    for name in names:
        try:
            pack_spec(name)
        except ModelPackError as exc:
            raise UsageError(str(exc)) from exc
        if not args.name and pack_status(name).folder is None:
            continue  # `verify` with no name checks what is there; absent packs are `list`'s job
        try:
            pack = find_pack(name, args.folder)
        except ModelPackError as exc:
            print(f"{name}: FAILED - {exc}", file=sys.stderr)
            failures += 1
            continue
        print(f"{name}: ok ({len(pack.paths)} files verified in {pack.folder})")
        verified += 1
    if not failures and not verified:
        print("No model pack found; install one with: enroll-station models install buffalo_s")
        return 1
    return 1 if failures else 0


def install_pack(args: argparse.Namespace) -> int:
    """Download or import a pack, verify it, record its hashes; show the licence."""
    from enroll_app.face.download import install_pack as install
    from enroll_app.face.models import licence_notice, pack_spec
    from enroll_app.face.types import ModelPackError

    try:
        pack_spec(args.name)
    except ModelPackError as exc:
        raise UsageError(str(exc)) from exc
    print(licence_notice().rstrip(), end="\n\n")
    bar = ProgressBar(sys.stderr)
    try:
        pack = install(args.name, args.source, args.sha256, bar.update, args.base_url)
    except ModelPackError as exc:
        bar.finish()
        print(f"enroll-station: install of {args.name} failed: {exc}", file=sys.stderr)
        return 1
    bar.finish()
    print(f"Installed {pack.name} in {pack.folder} ({len(pack.paths)} files verified)")
    return 0


class ProgressBar:
    """A one-line text progress bar, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = 0.0
        self._drawn = False

    def update(self, done: int, total: int | None) -> None:
        """Redraw with `done` of `total` bytes (total None: size unknown)."""
        now = time.monotonic()
        if now - self._last < 0.1 and (total is None or done < total):
            return
        self._last = now
        mb = done / 1e6
        if total:
            filled = int(self.WIDTH * done / total)
            line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {mb:.1f}/{total / 1e6:.1f} MB"
        else:
            line = f"{mb:.1f} MB"
        self._stream.write("\r" + line)
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the bar's line, if one was drawn."""
        if self._drawn:
            self._stream.write("\n")
            self._drawn = False
