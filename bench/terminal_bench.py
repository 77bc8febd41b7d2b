"""TerminalClient request overhead against the simulator, versus plain sequential httpx calls.

    python bench/terminal_bench.py [--requests 300] [--photo-requests 30] [--latency-ms 20]

Runs a simulated terminal on 127.0.0.1 in this process, then measures requests/s for `getTime`
and for `setPerson` with a 640x480 JPEG, once with no injected latency and once with
`--latency-ms`, each through `TerminalClient` and through a bare `httpx.AsyncClient` sending
the same bytes (the baseline). Rounds alternate client and baseline so machine load hits both
alike; the best round counts. The last line is JSON: `ratio` = client req/s / httpx req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import cv2
import httpx
import numpy as np

from enroll_app.face.samples import sample_photo
from enroll_app.simulator import SimConfig, SimulatedTerminal
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.codec import encode_request
from enroll_app.terminal.records import Person

KEY = "abc"
Step = Callable[[], Awaitable[object]]


def enrollment_jpeg() -> bytes:
    """A shipped face photo on a 640x480 canvas."""
    image = cv2.imread(str(sample_photo("yaoming.jpg")))
    assert image is not None
    canvas = np.full((480, 640, 3), 128, np.uint8)
    h, w = image.shape[:2]
    top, left = (480 - h) // 2, (640 - w) // 2
    canvas[top : top + h, left : left + w] = np.asarray(image, np.uint8)
    ok, data = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(data.tobytes())


async def rate(step: Step, count: int) -> float:
    """Requests per second of `count` sequential awaits of `step`."""
    started = time.perf_counter()
    for _ in range(count):
        await step()
    return count / (time.perf_counter() - started)


async def compare(client_step: Step, plain_step: Step, count: int, rounds: int) -> dict[str, float]:
    """Best-of-`rounds` req/s for both, alternating, after one warm-up call each."""
    await client_step()
    await plain_step()
    best_client = best_plain = 0.0
    for _ in range(rounds):
        best_client = max(best_client, await rate(client_step, count))
        best_plain = max(best_plain, await rate(plain_step, count))
    return {
        "client_rps": round(best_client, 1),
        "httpx_rps": round(best_plain, 1),
        "ratio": round(best_client / best_plain, 3),
    }


def plain_steps(http: httpx.AsyncClient, base: str, photo: bytes) -> tuple[Step, Step]:
    """The baseline: the same requests through bare httpx, checking only `status`."""
    person_body = encode_request(
        "setPerson",
        KEY,
        {
            "id": "bench",
            "name": "Bench",
            "passCount": 10000,
            "startTs": -1,
            "endTs": -1,
            "photo": base64.b64encode(photo).decode(),
        },
    ).body

    async def get_time() -> object:
        reply = await http.get(f"{base}/getTime", params={"key": KEY})
        return json.loads(reply.content)["data"]["ts"]

    async def set_person() -> object:
        reply = await http.post(
            f"{base}/setPerson",
            params={"key": KEY},
            content=person_body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        status = json.loads(reply.content)["status"]
        assert status == 0, status
        return status

    return get_time, set_person


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Measure both workloads with and without latency."""
    photo = enrollment_jpeg()
    results: dict[str, object] = {"profile": args.profile, "latency_ms": args.latency_ms}
    with tempfile.TemporaryDirectory() as data:
        config = SimConfig(port=0, data_dir=Path(data), profile=args.profile)
        async with (
            SimulatedTerminal(config) as term,
            TerminalClient(term.host, term.port, KEY) as client,
            httpx.AsyncClient(trust_env=False) as http,
        ):
            plain_time, plain_person = plain_steps(http, term.base_url, photo)
            person = Person("bench", name="Bench", photo=photo)

            async def client_person() -> object:
                await client.set_person(person)
                return None

            for latency in (0.0, args.latency_ms):
                term.faults.latency_ms = latency
                suffix = "" if latency == 0 else "_latency"
                small = max(5, args.requests // (10 if latency else 1))
                results["get_time" + suffix] = await compare(
                    client.get_time, plain_time, small, args.rounds
                )
                results["set_person" + suffix] = await compare(
                    client_person, plain_person, args.photo_requests, args.rounds
                )
                print(f"latency {latency:g} ms: {results}", file=sys.stderr)
    return results


def main() -> None:
    """Parse options, run, print one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="getTime calls per round")
    parser.add_argument("--photo-requests", type=int, default=20, help="setPerson per round")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="injected latency")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best counts)")
    parser.add_argument("--profile", default="acs-1.1.143", help="simulator profile")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
