"""`python -m workers` (console script `exemption-workers`): every job worker of the procedure.

Connects to `ZEEBE_ADDRESS` (default 127.0.0.1:26500, the embedded engine) in plaintext. For
Camunda 8 set either `CAMUNDA_CLUSTER_ID` (+ `CAMUNDA_CLIENT_ID`, `CAMUNDA_CLIENT_SECRET`,
`CAMUNDA_CLUSTER_REGION`) for SaaS, or `ZEEBE_CLIENT_ID`/`ZEEBE_CLIENT_SECRET`,
`ZEEBE_AUTHORIZATION_SERVER_URL` and `ZEEBE_TOKEN_AUDIENCE` (or their `CAMUNDA_*` spellings) for
Self-Managed with OAuth; `ZEEBE_CA_CERTIFICATE_PATH` names a private CA; `ZEEBE_BEARER_TOKEN`
for the embedded engine with authentication on (see workers/channel.py). SIGINT/SIGTERM stop
the workers after the jobs in hand.
"""

from __future__ import annotations

import asyncio
import signal

import structlog
from pyzeebe import ZeebeClient, ZeebeWorker

from observability.logging import configure_logging
from workers import screening
from workers.channel import create_channel, env
from workers.jobs import router

log = structlog.get_logger("workers")


async def run() -> None:
    channel, description = create_channel()
    worker = ZeebeWorker(channel, name=env("WORKER_NAME") or "exemption-workers")
    worker.include_router(router)
    # The screening's referrals are messages, published on the workers' own connection.
    screening.use_message_client(ZeebeClient(channel))
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def request_stop(signal_name: str) -> None:
        if not stopping:
            log.info("workers.stopping", signal=signal_name)
            stopping.append(loop.create_task(worker.stop()))

    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, request_stop, signal_number.name)
    log.info("workers.started", gateway=description, job_types=[task.type for task in worker.tasks])
    try:
        await worker.work()
    finally:
        await channel.close()
        log.info("workers.stopped")


def main() -> None:
    configure_logging()
    asyncio.run(run())


if __name__ == "__main__":
    main()
