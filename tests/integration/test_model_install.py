"""`models install` over real HTTP from a tiny server on 127.0.0.1: resume, checksums, errors."""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from enroll_app.cli import main
from enroll_app.face.download import download, install_pack
from enroll_app.face.engine import FaceEngine
from enroll_app.face.models import file_sha256, find_pack
from enroll_app.face.samples import sample_photo, vectron_dir
from enroll_app.face.types import ModelPackError, read_image

VECTRON_NAMES = {
    "det_500m.onnx": "scrfd_500m_bnkps.onnx",
    "2d106det.onnx": "2d106det.onnx",
    "w600k_mbf.onnx": "w600k_mbf.onnx",
}


@dataclass
class ZipServer:
    """What the server serves and how it misbehaves; it logs each request's Range header."""

    files: dict[str, bytes] = field(default_factory=dict)
    cut_after: list[int] = field(default_factory=list)  # next responses die after N body bytes
    fail_with: list[int] = field(default_factory=list)  # next responses are these HTTP errors
    ranges: list[str | None] = field(default_factory=list)
    ignore_range: bool = False  # behave like a server without resume support
    range_shift: int = 0  # answer a Range request from this many bytes earlier (a buggy proxy)
    url: str = ""


def handler_for(state: ZipServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.ranges.append(self.headers.get("Range"))
            body = state.files.get(self.path)
            if state.fail_with:
                self.send_error(state.fail_with.pop(0))
                return
            if body is None:
                self.send_error(404)
                return
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if match and not state.ignore_range:
                start = max(int(match.group(1)) - state.range_shift, 0)
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            payload = body[start:]
            if state.cut_after:
                # promise the full length, deliver part of it, hang up: a dropped connection
                self.wfile.write(payload[: state.cut_after.pop(0)])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            del format, args  # keep test output clean

    return Handler


@pytest.fixture(scope="module")
def pack_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """An official-layout buffalo_s.zip built from the real files."""
    folder = vectron_dir()
    assert folder is not None
    path = tmp_path_factory.mktemp("zips") / "buffalo_s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for official, shipped in VECTRON_NAMES.items():
            archive.write(folder / shipped, official)
    return path.read_bytes()


@pytest.fixture
def server(pack_zip: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZipServer]:
    state = ZipServer(files={"/v0.7/buffalo_s.zip": pack_zip})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("HOME", str(Path("/nonexistent-home")))  # no ~/.insightface packs
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_install_from_url_via_cli(server: ZipServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"{server.url}/v0.7/buffalo_s.zip"
    assert main(["models", "install", "buffalo_s", "--from", url]) == 0
    captured = capsys.readouterr()
    assert "NON-COMMERCIAL RESEARCH" in captured.out
    assert "Installed buffalo_s" in captured.out
    assert "MB" in captured.err  # the progress bar
    assert server.ranges == [None]
    engine = FaceEngine.load("buffalo_s")
    assert engine.info().source == "station"
    assert len(engine.detect(read_image(str(sample_photo("yaoming.jpg"))))) == 1


def test_base_url_points_at_a_mirror(server: ZipServer, station_home: Path) -> None:
    assert main(["models", "install", "buffalo_s", "--base-url", f"{server.url}/v0.7/"]) == 0
    assert find_pack("buffalo_s").folder == station_home / "models" / "buffalo_s"
    assert not list((station_home / "models" / ".downloads").iterdir())  # zip cleaned up


def test_broken_connection_resumes_where_it_stopped(server: ZipServer, pack_zip: bytes) -> None:
    server.cut_after = [3_000_000]
    pack = install_pack("buffalo_s", f"{server.url}/v0.7/buffalo_s.zip")
    assert server.ranges == [None, "bytes=3000000-"]
    assert pack.source == "station"


def test_resume_survives_a_failed_install(
    server: ZipServer, pack_zip: bytes, station_home: Path
) -> None:
    url = f"{server.url}/v0.7/buffalo_s.zip"
    # first run: the body breaks, then the server is down: the install fails, keeping the part
    server.cut_after = [5_000_000]
    progress: list[tuple[int, int | None]] = []

    def fail_after_first(done: int, total: int | None) -> None:
        progress.append((done, total))
        if len(server.ranges) == 1 and not server.fail_with and done >= 5_000_000:
            server.fail_with = [503]

    with pytest.raises(ModelPackError, match="HTTP 503"):
        install_pack("buffalo_s", url, progress=fail_after_first)
    [part] = (station_home / "models" / ".downloads").glob("buffalo_s-*.zip.part")
    assert part.stat().st_size == 5_000_000
    assert progress[-1] == (5_000_000, len(pack_zip))
    # second run: picks up at 5 MB and finishes
    assert install_pack("buffalo_s", url).source == "station"
    assert server.ranges[-1] == "bytes=5000000-"
    assert not part.exists()


def test_zip_checksum_mismatch_deletes_the_download(server: ZipServer, station_home: Path) -> None:
    url = f"{server.url}/v0.7/buffalo_s.zip"
    with pytest.raises(ModelPackError, match="does not match its checksum"):
        install_pack("buffalo_s", url, expected_sha256="ab" * 32)
    assert not (station_home / "models" / "buffalo_s").exists()
    assert not list((station_home / "models" / ".downloads").iterdir())


def test_correct_zip_checksum_is_accepted(
    server: ZipServer, pack_zip: bytes, tmp_path: Path
) -> None:
    (tmp_path / "z").write_bytes(pack_zip)
    sha = file_sha256(tmp_path / "z")
    url = f"{server.url}/v0.7/buffalo_s.zip"
    assert main(["models", "install", "buffalo_s", "--from", url, "--sha256", sha.upper()]) == 0


def test_served_zip_with_an_altered_model_is_refused(
    server: ZipServer, pack_zip: bytes, tmp_path: Path, station_home: Path
) -> None:
    install_pack("buffalo_s", f"{server.url}/v0.7/buffalo_s.zip")  # a working pack first
    folder = vectron_dir()
    assert folder is not None
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as archive:
        for official, shipped in VECTRON_NAMES.items():
            data = bytearray((folder / shipped).read_bytes())
            if official == "w600k_mbf.onnx":
                data[1000] ^= 0x55
            archive.writestr(official, bytes(data))
    server.files["/evil/buffalo_s.zip"] = bad.read_bytes()
    with pytest.raises(ModelPackError, match=r"w600k_mbf\.onnx does not match the published"):
        install_pack("buffalo_s", f"{server.url}/evil/buffalo_s.zip")
    assert find_pack("buffalo_s").folder == station_home / "models" / "buffalo_s"  # still intact


def test_http_errors_and_unreachable_servers_are_clear(server: ZipServer) -> None:
    with pytest.raises(ModelPackError, match="HTTP 404"):
        install_pack("buffalo_l", base_url=server.url)
    with pytest.raises(ModelPackError, match=r"Cannot reach http://127\.0\.0\.1:9/"):
        install_pack("buffalo_s", "http://127.0.0.1:9/buffalo_s.zip")  # discard port: refused


def test_a_download_that_keeps_breaking_gives_up(server: ZipServer, station_home: Path) -> None:
    server.cut_after = [1_000_000] * 4
    with pytest.raises(ModelPackError, match=r"broke 4 times.*run the install again"):
        install_pack("buffalo_s", f"{server.url}/v0.7/buffalo_s.zip")
    assert server.ranges == [None, "bytes=1000000-", "bytes=2000000-", "bytes=3000000-"]
    [part] = (station_home / "models" / ".downloads").glob("*.part")
    assert part.stat().st_size == 4_000_000  # kept for the next run


def test_server_without_resume_support_restarts_from_zero(
    server: ZipServer, tmp_path: Path, pack_zip: bytes
) -> None:
    server.ignore_range = True  # answers a Range request with 200 and the whole file
    dest = tmp_path / "x.zip"
    (tmp_path / "x.zip.part").write_bytes(b"stale bytes")
    download(f"{server.url}/v0.7/buffalo_s.zip", dest)
    assert server.ranges == ["bytes=11-"]
    assert dest.read_bytes() == pack_zip
    assert not (tmp_path / "x.zip.part").exists()


def test_resume_at_a_wrong_offset_starts_again(
    server: ZipServer, tmp_path: Path, pack_zip: bytes
) -> None:
    server.range_shift = 1000
    (tmp_path / "x.zip.part").write_bytes(pack_zip[:4_000_000])
    download(f"{server.url}/v0.7/buffalo_s.zip", tmp_path / "x.zip")
    assert server.ranges == ["bytes=4000000-", None]
    assert (tmp_path / "x.zip").read_bytes() == pack_zip


def test_a_part_from_another_url_is_not_resumed(server: ZipServer, pack_zip: bytes) -> None:
    server.files["/mirror/buffalo_s.zip"] = pack_zip
    server.cut_after = [2_000_000]
    server.fail_with = []

    def go_down(done: int, total: int | None) -> None:
        if done >= 2_000_000 and not server.fail_with and len(server.ranges) == 1:
            server.fail_with = [503]

    with pytest.raises(ModelPackError, match="HTTP 503"):
        install_pack("buffalo_s", f"{server.url}/v0.7/buffalo_s.zip", progress=go_down)
    install_pack("buffalo_s", f"{server.url}/mirror/buffalo_s.zip")
    assert server.ranges[-1] is None  # a fresh download, not bytes appended to the other's
