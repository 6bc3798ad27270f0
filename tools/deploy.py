"""Deploys the models to a Zeebe gateway and opens a sample case (used by `make demo`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from pyzeebe import ZeebeClient

from workers.channel import create_channel
from workers.deployment import deploy, model_files

__all__ = ["deploy_models", "model_files", "open_sample_case"]

SAMPLE_CASE = Path(__file__).resolve().parent / "sample-application.json"


def deploy_models(address: str, root: Path) -> None:
    files = asyncio.run(deploy(address, root))
    print(f"demo: deployed {len(files)} model file(s) from bpmn/ and forms/")


async def _open(address: str, variables: dict[str, Any]) -> int:
    channel, _ = create_channel(address)
    try:
        created = await ZeebeClient(channel).run_process("exemption-procedure", variables=variables)
    finally:
        await channel.close()
    return int(created.process_instance_key)


def open_sample_case(address: str) -> None:
    if not SAMPLE_CASE.exists():
        print("demo: no sample application yet (tools/sample-application.json); no case opened")
        return
    variables = json.loads(SAMPLE_CASE.read_text(encoding="utf-8"))
    key = asyncio.run(_open(address, variables))
    print(f"demo: opened a sample case, process instance {key}")
