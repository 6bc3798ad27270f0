"""`python -m desk --address 127.0.0.1:8081 --api http://127.0.0.1:8080`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from desk.app import create_desk_app
from desk.settings import DeskSettings


class _DeskServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises SIGTERM/SIGINT once it has shut down, so a clean stop would end as
        # "killed by signal 15" (exit -15), which the demo, the container's supervisor and any
        # service manager read as a crash. Stop on them here and exit 0.
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.handle_exit, signum, None)
        try:
            yield
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"--address {address!r}: expected host:port, e.g. 127.0.0.1:8081")
    return host.strip("[]"), int(port)


def main(argv: list[str] | None = None) -> int:
    defaults = DeskSettings.from_environment()
    parser = argparse.ArgumentParser(prog="python -m desk", description="容错免责办理工作台")
    parser.add_argument("--address", default="127.0.0.1:8081", help="host:port to listen on")
    parser.add_argument(
        "--api", default=defaults.api_url, help="/v2 API base URL (env DESK_API_URL)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help="case documents root (env EXEMPTION_DATA_DIR)",
    )
    parser.add_argument(
        "--people-file",
        type=Path,
        default=defaults.people_file,
        help="officers' names and units: TOML as the identity file (env DESK_PEOPLE_FILE)",
    )
    parser.add_argument(
        "--training",
        action="store_true",
        default=defaults.training,
        help="demo/training: admins may move the engine clock (env DESK_TRAINING=1)",
    )
    args = parser.parse_args(argv)
    host, port = _split_address(args.address)
    settings = dataclasses.replace(
        defaults,
        api_url=args.api.rstrip("/"),
        data_dir=args.data_dir,
        people_file=args.people_file,
        training=args.training,
    )
    if not (settings.static_dir / "dist" / "desk.js").is_file():
        print(
            f"warning: {settings.static_dir / 'dist'} has no desk.js; run `npm run build:desk`",
            file=sys.stderr,
        )
    config = uvicorn.Config(create_desk_app(settings), host=host, port=port, log_level="info")
    server = _DeskServer(config)
    asyncio.run(server.serve())
    # uvicorn reports a failed start (e.g. the port is taken) by setting started=False
    return 0 if server.started else 1


if __name__ == "__main__":
    raise SystemExit(main())
