"""Fetch a model pack zip over HTTP(S): progress, resume of a broken download, sha256 check.

The only module of face/ that touches the network, and only when an operator runs
`enroll-station models install`; loading a pack never downloads anything.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from enroll_app.face.models import (
    DOWNLOAD_BASE_URL,
    ModelPack,
    file_sha256,
    install_from_folder,
    install_from_zip,
    pack_spec,
    station_models_dir,
)
from enroll_app.face.types import ModelPackError

log = logging.getLogger(__name__)

# The operator's mirror of the insightface release assets (`<base>/buffalo_l.zip`).
BASE_URL_ENV = "ENROLL_STATION_MODELS_URL"
ATTEMPTS = 4
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None) as a download goes."""


def pack_url(name: str, base_url: str | None = None) -> str:
    """Where pack `name`'s zip is downloaded from: `<base>/<name>.zip`."""
    base = base_url or os.environ.get(BASE_URL_ENV) or DOWNLOAD_BASE_URL
    return f"{base.rstrip('/')}/{pack_spec(name).zip_name}"


def _no_progress(done: int, total: int | None) -> None:
    del done, total


def download(
    url: str, dest: Path, expected_sha256: str | None = None, progress: Progress = _no_progress
) -> Path:
    """Download `url` to `dest`, resuming from `dest.part` after a broken connection.

    A transfer that breaks mid-way is retried (up to ATTEMPTS times) from where it stopped; the
    `.part` file also survives the process, so running the install again resumes too. A server
    that cannot be reached fails at once. With `expected_sha256`, a mismatch deletes the
    download and raises ModelPackError.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as http:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                _fetch(http, url, part, progress)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise ModelPackError(f"Cannot reach {url}: {exc}") from exc
            except (httpx.TransportError, _Incomplete) as exc:
                if attempt == ATTEMPTS:
                    raise ModelPackError(
                        f"Download of {url} broke {ATTEMPTS} times ({exc}); "
                        "run the install again to resume it"
                    ) from exc
                log.info("Download of %s broke (%s); resuming", url, exc)
    _check_sha256(part, expected_sha256, f"The download from {url}", delete=True)
    part.replace(dest)
    return dest


class _Incomplete(Exception):
    """The server closed the body before Content-Length bytes arrived."""


def _fetch(http: httpx.Client, url: str, part: Path, progress: Progress) -> None:
    have = part.stat().st_size if part.exists() else 0
    # identity: byte offsets on disk must be offsets in the served file for Range to work
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 416 and have:
            if _complete_size(response) == have:
                return  # the previous run had everything but was stopped before the rename
            part.unlink()
            raise _Incomplete("the server refused to resume; starting again")
        if response.status_code not in (200, 206):
            raise ModelPackError(f"Download of {url} failed: HTTP {response.status_code}")
        resumed = response.status_code == 206 and _range_start(response) == have
        if response.status_code == 206 and not resumed:
            part.unlink(missing_ok=True)
            raise _Incomplete("the server resumed at another offset; starting again")
        done = have if resumed else 0
        total = _total_size(response, done)
        with part.open("ab" if resumed else "wb") as out:
            # no chunk size: a re-chunking buffer would lose its tail when the connection breaks
            for chunk in response.iter_bytes():
                out.write(chunk)
                done += len(chunk)
                progress(done, total)
    if total is not None and done < total:
        raise _Incomplete(f"got {done} of {total} bytes")


def _range_start(response: httpx.Response) -> int | None:
    match = re.match(r"bytes (\d+)-", response.headers.get("content-range", ""))
    return int(match.group(1)) if match else None


def _complete_size(response: httpx.Response) -> int | None:
    match = re.match(r"bytes \*/(\d+)", response.headers.get("content-range", ""))
    return int(match.group(1)) if match else None


def _total_size(response: httpx.Response, start: int) -> int | None:
    length = response.headers.get("content-length")
    return start + int(length) if length and length.isdigit() else None


def _check_sha256(path: Path, expected: str | None, what: str, delete: bool) -> None:
    if expected is None:
        return
    actual = file_sha256(path)
    if actual != expected.lower():
        if delete:
            path.unlink()
        raise ModelPackError(
            f"{what} does not match its checksum (expected {expected.lower()}, got {actual})"
            + ("; the download was deleted" if delete else "")
        )


def install_pack(
    name: str,
    source: str | None = None,
    expected_sha256: str | None = None,
    progress: Progress = _no_progress,
    base_url: str | None = None,
) -> ModelPack:
    """Install pack `name` into the station's models folder and return it verified.

    `source` is a local zip, a folder holding the files (e.g. `~/.insightface/models/NAME`), an
    http(s) URL, or None for the official release zip. An existing pack is replaced only after
    the new one verified.
    """
    if source is not None and not re.match(r"https?://", source):
        path = Path(source).expanduser()
        if path.is_dir():
            return install_from_folder(name, path)
        if not path.is_file():
            raise ModelPackError(f"{source} is neither a zip file, a folder nor an http(s) URL")
        _check_sha256(path, expected_sha256, str(path), delete=False)
        return install_from_zip(name, path)
    url = source or pack_url(name, base_url)
    # One part file per URL: resuming must never append one server's bytes to another's.
    tag = hashlib.sha256(url.encode()).hexdigest()[:12]
    dest = station_models_dir() / ".downloads" / f"{name}-{tag}.zip"
    zip_path = download(url, dest, expected_sha256, progress)
    try:
        return install_from_zip(name, zip_path)
    finally:
        zip_path.unlink(missing_ok=True)
