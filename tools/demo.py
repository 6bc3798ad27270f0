"""`make demo`: run the procedure on the embedded engine with its workers and the desk.

Starts each part that exists as a child process, deploys every model in bpmn/ and forms/, opens a
sample case, prints where to look, and on Ctrl-C stops every process it started. A part that does
not exist yet is named, so nobody wonders why it is missing.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from observability.logging import configure_logging

ROOT = Path(__file__).resolve().parent.parent
GRPC_ADDRESS = os.environ.get("ZEEBE_ADDRESS", "127.0.0.1:26500")
HTTP_ADDRESS = os.environ.get("ENGINE_HTTP_ADDRESS", "127.0.0.1:8080")
DESK_ADDRESS = os.environ.get("DESK_ADDRESS", "127.0.0.1:8081")
DATA_DIR = Path(os.environ.get("DEMO_DATA_DIR", ROOT / "var" / "demo"))
# The demo runs with the demo identity (engine/access/demo-identity.toml: public passwords);
# the deployment uses its admin token, the workers their own token, limited to job types.
DEMO_IDENTITY = ROOT / "engine" / "access" / "demo-identity.toml"
DEMO_TOKEN = "yxt_demo-admin-token-for-local-demo-only"
DEMO_WORKER_TOKEN = "yxt_demo-worker-token-for-local-demo-only"
# The workers read the register over /v2 with this token (manager role, demo identity).
DEMO_REGISTER_TOKEN = "yxt_demo-register-reader-token-for-local-demo-only"

log = structlog.get_logger("demo")


@dataclass
class Part:
    name: str
    module: str
    args: list[str] = field(default_factory=list)
    ready_line: str | None = None
    process: subprocess.Popen[str] | None = None

    def exists(self) -> bool:
        return (ROOT / self.module / "__main__.py").exists()

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 20.0) -> None:
        assert self.process is not None and self.process.stdout is not None
        if self.ready_line is None:
            return
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"{self.name} exited before it was ready")
            sys.stdout.write(f"[{self.name}] {line}")
            if self.ready_line in line:
                return
        raise RuntimeError(f"{self.name} did not say '{self.ready_line}' within {timeout_s:.0f} s")

    def stop(self) -> int | None:
        """Stops the part (SIGTERM, SIGKILL after 10 s); its exit code, None if never started.
        A part that crashed on the way out (a negative code) must not pass for a clean stop."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def main() -> int:
    configure_logging()
    # A new data dir gets one sample case; a restarted demo continues with what it had.
    first_run = not (DATA_DIR / "engine").exists()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "ZEEBE_ADDRESS": GRPC_ADDRESS,
        "EXEMPTION_DATA_DIR": str(DATA_DIR / "workers"),
        "PYTHONUNBUFFERED": "1",
        "ZEEBE_BEARER_TOKEN": DEMO_TOKEN,
    }
    os.environ["ZEEBE_BEARER_TOKEN"] = DEMO_TOKEN
    engine = Part(
        "engine",
        "engine",
        [
            "serve",
            "--identity-file",
            str(DEMO_IDENTITY),
            "--grpc-address",
            GRPC_ADDRESS,
            "--http-address",
            HTTP_ADDRESS,
            "--data-dir",
            str(DATA_DIR / "engine"),
        ],
        ready_line="ready",
    )
    desk = Part(
        "desk",
        "desk",
        [
            "--address",
            DESK_ADDRESS,
            "--api",
            f"http://{HTTP_ADDRESS}",
            "--data-dir",
            str(DATA_DIR / "workers"),
            # names and units for the pages; the desk reads no password hash from it
            "--people-file",
            str(DEMO_IDENTITY),
            "--training",
        ],
        ready_line="Uvicorn running on",
    )
    workers = Part("workers", "workers")
    parts = [engine, workers, desk]
    started: list[Part] = []
    try:
        for part in parts:
            if not part.exists():
                print(f"demo: {part.name} ({part.module}/) is not there yet; not started")
                continue
            part.start(
                {
                    **env,
                    "ZEEBE_BEARER_TOKEN": DEMO_WORKER_TOKEN,
                    "CAMUNDA_REST_ADDRESS": f"http://{HTTP_ADDRESS}",
                    "CAMUNDA_REST_TOKEN": DEMO_REGISTER_TOKEN,
                }
                if part is workers
                else env
            )
            started.append(part)
            part.wait_ready()
        if engine in started:
            from tools.deploy import deploy_models, open_sample_case

            deploy_models(GRPC_ADDRESS, ROOT)
            if first_run:
                open_sample_case(GRPC_ADDRESS)
            print(f"demo: engine gRPC gateway  {GRPC_ADDRESS}")
            print(f"demo: engine REST API      http://{HTTP_ADDRESS}/v2")
        if desk in started:
            print(f"demo: desk                 http://{DESK_ADDRESS}/")
            print("demo: desk users and passwords are in engine/access/demo-identity.toml")
        print("demo: running; press Ctrl-C to stop")
        _relay_output(started)
    except KeyboardInterrupt:
        print("\ndemo: stopping")
    finally:
        failed = []
        for part in reversed(started):
            code = part.stop()
            if code != 0:
                failed.append(part.name)
                print(f"demo: {part.name} exited with {code} (0 expected)")
    return 1 if failed else 0


def _relay_output(parts: list[Part]) -> None:
    """Echo the children's output until one of them ends or Ctrl-C."""
    selector = selectors.DefaultSelector()
    for part in parts:
        assert part.process is not None and part.process.stdout is not None
        selector.register(part.process.stdout, selectors.EVENT_READ, part)
    while selector.get_map():
        for key, _ in selector.select():
            part = key.data
            line = key.fileobj.readline()  # type: ignore[union-attr]
            if not line:
                selector.unregister(key.fileobj)
                print(f"demo: {part.name} exited with {part.process.wait()}")
                return
            sys.stdout.write(f"[{part.name}] {line}")


if __name__ == "__main__":
    sys.exit(main())
