"""`python -m engine.audit verify --data-dir DIR`: checks the audit trail's hash chain.

Exit status: 0 when the chain holds, 1 when it is broken (the first broken entry is named),
2 when there is no trail to check.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from engine.audit.trail import AUDIT_DB_FILE, AuditTrail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.audit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify the hash chain of the audit trail")
    where = verify.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--data-dir", type=Path, help=f"the engine's data directory ({AUDIT_DB_FILE})"
    )
    where.add_argument("--file", type=Path, help="an audit trail SQLite file")
    args = parser.parse_args(argv)

    path: Path = args.file if args.file is not None else args.data_dir / AUDIT_DB_FILE
    try:
        trail = AuditTrail.open(path, create=False)
    except (FileNotFoundError, sqlite3.Error) as exc:
        print(f"error: cannot open the audit trail at {path}: {exc}", file=sys.stderr)
        return 2
    try:
        result = trail.verify()
    except sqlite3.Error as exc:
        print(f"error: cannot read the audit trail at {path}: {exc}", file=sys.stderr)
        return 2
    finally:
        trail.close()
    if result.ok:
        print(f"audit trail OK: {result.checked} entries, head hash {result.head_hash}")
        return 0
    print(
        f"audit trail BROKEN at entry {result.first_broken_sequence}: {result.reason} "
        f"({result.checked} entries before it are intact)",
        file=sys.stderr,
    )
    return 1
