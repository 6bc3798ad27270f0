"""Deploys the procedure's models (bpmn/*.bpmn, bpmn/*.dmn, forms/*.form) to a Zeebe gateway.

One deployment path for `make demo`, the product container's entrypoint, and the one-shot
`deploy` service of the `camunda` compose profile. The channel comes from `workers.channel`, so
the embedded engine (bearer token), Camunda 8 SaaS and self-managed clusters with OAuth all work
the same way. A gateway that is still starting is waited for when asked to.

    python -m workers.deployment [--address HOST:PORT] [--root DIR] [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from pyzeebe import ZeebeClient

from workers.channel import DEFAULT_ADDRESS, create_channel, env

RETRY_SECONDS = 2.0


class DeployFailed(Exception):
    """The models could not be deployed; the message says why."""


def model_files(root: Path) -> list[Path]:
    return sorted([*root.glob("bpmn/*.bpmn"), *root.glob("bpmn/*.dmn"), *root.glob("forms/*.form")])


def _reason(error: BaseException) -> str:
    # pyzeebe's errors carry no text; the gateway's own message is on the gRPC error they wrap.
    for candidate in (error, error.__cause__, error.__context__):
        details = getattr(candidate, "details", None)
        if callable(details) and details():
            return str(details())
    return str(error) or type(error).__name__


async def _wait_for_gateway(client: ZeebeClient, address: str, patience: float) -> None:
    deadline = time.monotonic() + patience
    while True:
        try:
            await client.topology()
            return
        except Exception as error:
            if time.monotonic() >= deadline:
                raise DeployFailed(
                    f"gateway {address} did not answer within {patience:.0f}s: {_reason(error)}"
                ) from error
        await asyncio.sleep(RETRY_SECONDS)


async def deploy(address: str | None, root: Path, wait_seconds: float = 0.0) -> list[Path]:
    """Deploys every model under `root` in one deployment; returns the files deployed."""
    files = model_files(root)
    if not files:
        raise DeployFailed(f"no models under {root}/bpmn or {root}/forms")
    channel, description = create_channel(address)
    try:
        client = ZeebeClient(channel)
        if wait_seconds > 0:
            await _wait_for_gateway(client, description, wait_seconds)
        try:
            await client.deploy_resource(*[str(path) for path in files])
        except Exception as error:
            raise DeployFailed(
                f"deploying {len(files)} file(s) to {description}: {_reason(error)}"
            ) from error
    finally:
        await channel.close()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy bpmn/ and forms/ to a Zeebe gateway.")
    parser.add_argument(
        "--address",
        default=env("ZEEBE_ADDRESS") or DEFAULT_ADDRESS,
        help=f"gateway host:port (default: $ZEEBE_ADDRESS or {DEFAULT_ADDRESS})",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="directory holding bpmn/ and forms/"
    )
    parser.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait for the gateway to answer"
    )
    args = parser.parse_args(argv)
    try:
        files = asyncio.run(deploy(args.address, args.root, args.wait))
    except DeployFailed as error:
        print(f"deployment: {error}", file=sys.stderr)
        return 1
    print(f"deployment: deployed {len(files)} file(s) to {args.address}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
