"""The desk's own audit trail: what officers change through the desk rather than through /v2
(holiday schedules entered, objections recorded), with who did it and when.

The engine audits every /v2 call itself; these actions never reach it as such, so the desk keeps
an append-only JSON-lines file beside the archive. Entries name the act and its object, never the
confidential content of an objection (Art. 15): an auditor learns that an objection was recorded,
not who raised it.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AUDIT_FILE_NAME = "desk-audit.jsonl"
_APPENDING = threading.Lock()


class DeskAuditTrail:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / AUDIT_FILE_NAME

    def record(
        self, username: str, action: str, details: dict[str, Any], at: str | None = None
    ) -> dict[str, Any]:
        entry = {
            "at": at or datetime.now(UTC).isoformat(timespec="seconds"),
            "username": username,
            "action": action,
            "details": details,
        }
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        with _APPENDING:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as trail:
                trail.write(line + "\n")
        return entry

    def entries(self, action: str | None = None) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and (action is None or entry.get("action") == action):
                found.append(entry)
        return found
