"""`enroll-station sim`: run simulated terminals in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enroll_app.cli import UsageError

if TYPE_CHECKING:
    from enroll_app.simulator import SimConfig

PROFILE_CHOICES = ("spec", "acs-1.1.143", "acs-legacy-ms")


def register(subparsers: Any) -> None:
    """Add the `sim` command."""
    parser = subparsers.add_parser(
        "sim",
        help="run simulated terminals (for demos, training and tests)",
        description="Run N simulated terminals on consecutive IPv4 addresses starting at "
        "--host, all on the same port, each with its own data folder and serial number. "
        "Runs until Ctrl-C or SIGTERM; prints one line per terminal when it listens.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="first address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088, help="port of every terminal (8088)")
    parser.add_argument("--count", type=int, default=1, help="number of terminals (1)")
    parser.add_argument("--data", type=Path, help="data folder (default: station home/simulator)")
    parser.add_argument("--photos", type=Path, help="JPEG frames for `photo` (bundled portraits)")
    parser.add_argument("--profile", choices=PROFILE_CHOICES, default="spec")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay per request")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share answered status 1")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of replies dropped")
    parser.add_argument("--capacity", type=int, default=10000, help="persons before 128")
    parser.add_argument("--fast", action="store_true", help="no photo delays, quick reboots")
    parser.add_argument("--seed", type=int, help="seed for repeatable fault injection")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the terminals and serve until a signal arrives."""
    import asyncio

    configs = build_configs(args)
    return asyncio.run(_serve(configs))


def build_configs(args: argparse.Namespace) -> list[SimConfig]:
    """One SimConfig per terminal; UsageError on impossible options."""
    from enroll_app.home import station_path
    from enroll_app.simulator import SimConfig

    hosts = consecutive_hosts(args.host, args.count)
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if args.photos is not None and not args.photos.is_dir():
        raise UsageError(f"--photos {args.photos} is not a folder")
    data = args.data if args.data is not None else station_path("simulator")
    try:
        return [
            SimConfig(
                host=host,
                port=args.port,
                data_dir=Path(data) / f"{host}_{args.port}",
                profile=args.profile,
                photos_dir=args.photos,
                latency_ms=args.latency_ms,
                fail_rate=args.fail_rate,
                drop_rate=args.drop_rate,
                capacity=args.capacity,
                fast=args.fast,
                seed=None if args.seed is None else args.seed + index,
            )
            for index, host in enumerate(hosts)
        ]
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def consecutive_hosts(first: str, count: int) -> list[str]:
    """`count` IPv4 addresses from `first` on: 127.0.0.2, 3 → 127.0.0.2, .3, .4."""
    if count < 1:
        raise UsageError("--count must be at least 1")
    try:
        start = ipaddress.IPv4Address(first)
    except ValueError as exc:
        raise UsageError(f"--host {first!r} is not an IPv4 address") from exc
    if int(start) + count - 1 > int(ipaddress.IPv4Address("255.255.255.255")):
        raise UsageError("--count runs past the last IPv4 address")
    return [str(start + i) for i in range(count)]


async def _serve(configs: list[SimConfig]) -> int:
    import asyncio
    import contextlib

    from enroll_app.simulator import SimulatedTerminal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still raises
            loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        for index, config in enumerate(configs, start=1):
            term = SimulatedTerminal(config)
            try:
                await term.start()
            except OSError as exc:
                print(
                    f"enroll-station sim: cannot listen on {config.host}:{config.port}: {exc}",
                    file=sys.stderr,
                )
                return 1
            stack.push_async_callback(term.stop)
            print(
                f"terminal {index}/{len(configs)} listening on {term.base_url} "
                f"serial {term.serial} profile {config.profile} data {config.data_dir}",
                flush=True,
            )
        warm_up = asyncio.create_task(_load_face_engine())
        await stop.wait()
        warm_up.cancel()
    print("simulated terminals stopped", flush=True)
    return 0


async def _load_face_engine() -> None:
    """Load the face engine now, so the first setPerson is quick; warn if it cannot load."""
    import asyncio

    from enroll_app.face.types import ModelPackError
    from enroll_app.simulator.faces import shared_engine

    try:
        await asyncio.to_thread(shared_engine)
    except ModelPackError as exc:
        print(f"enroll-station sim: warning: photos cannot be judged: {exc}", file=sys.stderr)
