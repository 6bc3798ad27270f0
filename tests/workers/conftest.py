"""Fixtures for the workers' tests: every test gets its own data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "data"
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(directory))
    monkeypatch.setenv("NOTICE_TRANSPORT", "file")
    monkeypatch.delenv("EXEMPTION_HOLIDAY_OVERRIDES", raising=False)
    yield directory
