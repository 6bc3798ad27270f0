"""`python -m engine.access`: hash a password, mint an API token, add a user to an identity file.

Secrets are read from the terminal (or stdin with --password-stdin), never from arguments, so they
do not end up in shell history. A changed identity file is re-validated before it is written.
Passwords must meet the minimum policy (engine.access.password_policy); the engine refuses weaker
ones at sign-in too, except in the demo identity.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import tomllib
from pathlib import Path
from typing import Any, TextIO

from engine.access.directory import IdentityConfigError, parse_directory
from engine.access.password_policy import check_password_policy
from engine.access.principal import Role
from engine.access.secrets import hash_password, mint_token


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.access", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    hashing = commands.add_parser("hash-password", help="print an scrypt hash for a password")
    hashing.add_argument("--password-stdin", action="store_true", help="read it from stdin")

    minting = commands.add_parser("mint-token", help="create an API token for a user")
    minting.add_argument("--user", required=True, help="the user the token acts as")
    minting.add_argument("--name", default="", help="a label for the token, e.g. 'desk'")
    minting.add_argument("--identity-file", type=Path, help="append the token's digest here")

    adding = commands.add_parser("add-user", help="add a user to an identity file")
    adding.add_argument("--identity-file", type=Path, required=True)
    adding.add_argument("--username", required=True)
    adding.add_argument("--name", default="", help="display name")
    adding.add_argument("--groups", default="", help="comma-separated group ids")
    adding.add_argument(
        "--roles", default=Role.OFFICER.value, help="comma-separated: officer, manager, admin"
    )
    adding.add_argument("--password-stdin", action="store_true", help="read it from stdin")

    args = parser.parse_args(argv)
    source = stdin if stdin is not None else sys.stdin
    try:
        if args.command == "hash-password":
            password = _read_password(args.password_stdin, source)
            check_password_policy(password)
            print(hash_password(password))
        elif args.command == "mint-token":
            _mint(args.user, args.name, args.identity_file)
        else:
            password = _read_password(args.password_stdin, source)
            check_password_policy(password, args.username)
            user: dict[str, Any] = {
                "username": args.username,
                "name": args.name,
                "password": hash_password(password),
                "groups": _split(args.groups),
                "roles": _split(args.roles),
            }
            _append(args.identity_file, "users", user)
            print(f"added user {args.username!r} to {args.identity_file}")
    except (IdentityConfigError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _mint(username: str, name: str, identity_file: Path | None) -> None:
    token, digest = mint_token()
    entry = {"name": name or f"{username}-token", "username": username, "sha256": digest}
    if identity_file is not None:
        _append(identity_file, "tokens", entry)
        print(f"# digest added to {identity_file}", file=sys.stderr)
    else:
        print("# add this to the identity file:", file=sys.stderr)
        print(_toml_entry("tokens", entry), file=sys.stderr)
    print(
        "# the token (shown only now; send it as 'Authorization: Bearer <token>'):", file=sys.stderr
    )
    print(token)


def _read_password(from_stdin: bool, source: TextIO) -> str:
    if from_stdin:
        password = source.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ValueError("the passwords differ")
    if not password:
        raise ValueError("a password must not be empty")
    return password


def _append(path: Path, section: str, entry: dict[str, Any]) -> None:
    """Adds one entry, keeping the file's comments (TOML) and refusing to write a file that would
    not load."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if path.suffix.lower() == ".json":
        data = json.loads(existing) if existing.strip() else {}
        data.setdefault(section, []).append(entry)
        parse_directory(data, source=str(path))
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    separator = "" if not existing or existing.endswith("\n") else "\n"
    updated = existing + separator + "\n" + _toml_entry(section, entry) + "\n"
    parse_directory(tomllib.loads(updated), source=str(path))
    path.write_text(updated, encoding="utf-8")


def _toml_entry(section: str, entry: dict[str, Any]) -> str:
    # A JSON string or list of strings is also a valid TOML basic string / array.
    lines = [f"[[{section}]]"]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in entry.items()]
    return "\n".join(lines)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
