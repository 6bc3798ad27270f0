"""Evaluates FEEL with feelin (the evaluator the engine embeds) through node, for model tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.procedure.bpmn_model import REPO

# Reads one JSON request on stdin; answers one JSON list with a result or an error per item.
SCRIPT = """
import { evaluate, unaryTest } from 'feelin';
let input = '';
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const answers = JSON.parse(input).map(({ kind, text, context }) => {
    try {
      const run = kind === 'unary' ? unaryTest : evaluate;
      const { value } = run(text, context);
      return { value: value === undefined ? null : value };
    } catch (error) {
      return { error: String(error.message || error) };
    }
  });
  process.stdout.write(JSON.stringify(answers));
});
"""


def run_feel(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each request is {kind: 'expression'|'unary', text, context}; answers keep the order."""
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "feelin").is_dir():
        pytest.fail("node and feelin are needed: run `npm ci` in the repository root")
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT],
        cwd=REPO,
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"feelin runner failed: {result.stderr}")
    answers: list[dict[str, Any]] = json.loads(result.stdout)
    return answers
