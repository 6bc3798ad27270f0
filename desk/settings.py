"""Where the desk listens, which /v2 API it fronts and where the case archive lives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class DeskSettings:
    api_url: str = "http://127.0.0.1:8080"
    data_dir: Path = Path("var/exemption-data")
    static_dir: Path = PACKAGE_DIR / "static"
    # Idle sessions end after this many seconds; officers sign in again.
    session_seconds: int = 8 * 3600
    # Plain HTTP for local demos; set DESK_SECURE_COOKIES=1 behind TLS.
    secure_cookies: bool = False
    # Officers' names and units (desk/people.py); None: pages show no names, never login names.
    people_file: Path | None = None
    # Demo and training: administrators may move the engine clock from the desk, and every
    # page says 培训环境. Never in production (DESK_TRAINING=1 or `--training`).
    training: bool = False

    @classmethod
    def from_environment(cls) -> DeskSettings:
        return cls(
            api_url=os.environ.get("DESK_API_URL", cls.api_url).rstrip("/"),
            data_dir=Path(os.environ.get("EXEMPTION_DATA_DIR", "").strip() or cls.data_dir),
            static_dir=Path(os.environ.get("DESK_STATIC_DIR", "").strip() or cls.static_dir),
            session_seconds=int(os.environ.get("DESK_SESSION_SECONDS", cls.session_seconds)),
            secure_cookies=os.environ.get("DESK_SECURE_COOKIES", "") in {"1", "true", "yes"},
            people_file=Path(people)
            if (people := os.environ.get("DESK_PEOPLE_FILE", "").strip())
            else None,
            training=os.environ.get("DESK_TRAINING", "") in {"1", "true", "yes"},
        )
