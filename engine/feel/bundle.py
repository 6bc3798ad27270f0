"""Locating the feelin bundle that `npm run build:feel` (run by `make setup`) produces."""

from __future__ import annotations

from pathlib import Path

from engine.feel.errors import FeelError

BUNDLE_PATH = Path(__file__).with_name("feelin.bundle.js")


def read_bundle(path: Path = BUNDLE_PATH) -> str:
    # The bundle is a build artefact (git-ignored), so a fresh checkout lacks it: say how to
    # get it rather than failing later with an obscure JavaScript ReferenceError.
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeelError(
            "<none>",
            f"FEEL runtime bundle {path} is missing: run make setup (npm run build:feel)",
        ) from None
