"""The desk as the per-procedure browser tests drive it, on the real stack: the engine with the
demo identity and the procedure's workers (`stack`), Debian's Chromium in Chinese (`browser`),
the desk server over them (`desk`), and what every such test does on a page the same way:
screenshots, the check that an officer reads no English, a form-js date, a task's submission.

A test module takes a fixture by naming it at module level (`stack = desk_pages.stack`):
nothing here reaches a test that does not. `patient_expectations` is autouse, so it applies to
every test of a module that names it, and to no other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    require_browser_prerequisites,
    serving,
)
from tests.desk.live_stack import DEMO_IDENTITY, LiveStack, live_stack

# The register reader's public token (engine/access/demo-identity.toml), as `make demo` gives
# the workers for reading the register over the engine's /v2 API.
REGISTER_TOKEN = "yxt_demo-register-reader-token-for-local-demo-only"
# A task page reads the whole case (a dozen searches); on a shared, loaded machine that can take
# longer than Playwright's 5 s default.
PATIENT_TIMEOUT_MS = 20_000
DEFAULT_TIMEOUT_MS = 5_000
# How often fill_date types a day before it gives up, and how long it waits each time for the
# field to show it.
DATE_TRIES = 3
DATE_SHOWN_TIMEOUT_MS = 5_000
# form-js creates a date field's flatpickr in one render and hands it the form's value and its
# change handler in the next (its Datepicker's effects). Until then a day typed and committed
# with Enter shows, then gives way to the form's value (empty, or today for a prefilled field),
# and the form never hears of it. The picker (flatpickr's `_flatpickr` on the input) has
# started once form-js's change handler is on it.
_PICKER_STARTED = "input => Boolean(input._flatpickr && input._flatpickr.config.onChange.length)"


@contextmanager
def running_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, register_reader: bool = False
) -> Iterator[LiveStack]:
    """The live stack with the workers in this process, their data and notices under tmp_path
    and the packaged holiday calendar. With `register_reader`, the workers also read the register
    over the engine's /v2 API (the rectification's repeat check)."""
    require_browser_prerequisites()
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(tmp_path / "exemption-data"))
    monkeypatch.setenv("NOTICE_TRANSPORT", "file")
    monkeypatch.delenv("EXEMPTION_HOLIDAY_OVERRIDES", raising=False)
    with live_stack(tmp_path) as running:
        if register_reader:
            monkeypatch.setenv("CAMUNDA_REST_ADDRESS", running.api_url)
            monkeypatch.setenv("CAMUNDA_REST_TOKEN", REGISTER_TOKEN)
        yield running


@contextmanager
def chromium(*, chinese: bool = True) -> Iterator[Browser]:
    """Debian's Chromium; `chinese` runs it in Chinese, as an office's browsers run (the
    browser's own date fields then read 年/月/日, not mm/dd/yyyy)."""
    args = [*CHROMIUM_ARGS, "--lang=zh-CN"] if chinese else CHROMIUM_ARGS
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveStack]:
    with running_stack(tmp_path, monkeypatch) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def desk(stack: LiveStack) -> Iterator[str]:
    """The desk's URL, over the `stack` the module names. DESK_STATIC_DIR runs the tests against
    another build of the pages (the old code)."""
    settings = dataclasses.replace(
        DeskSettings.from_environment(),
        api_url=stack.api_url,
        data_dir=stack.data_dir,
        people_file=DEMO_IDENTITY,
    )
    with serving(create_desk_app(settings)) as url:
        yield url


@pytest.fixture(autouse=True)
def patient_expectations() -> Iterator[None]:
    expect.set_options(timeout=PATIENT_TIMEOUT_MS)
    yield
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@dataclass(frozen=True)
class Screenshots:
    """Screenshots in the artifacts directory, named `<prefix>-<name>.png`."""

    prefix: str

    def __call__(self, page: Page, name: str, *, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{self.prefix}-{name}.png"), full_page=full_page)


def no_ascii_words(page: Page) -> None:
    """What an officer reads is Chinese: no English word (ids, field names) on the page."""
    text = page.locator("main").inner_text()
    words = [
        w for w in text.replace("PDF", "").split() if any(c.isascii() and c.isalpha() for c in w)
    ]
    assert words == [], words


def written_day(value: str) -> str:
    """How the desk's date fields show a day once they took it: 2026-09-25 → 2026年9月25日."""
    day = date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def fill_date(page: Page, label: str, value: str) -> None:
    """Types the day `value` (2026-09-25) into the form-js date field labelled `label` and
    commits it with Enter, once the field's picker has started (see _PICKER_STARTED); then waits
    until the field shows the day as the picker writes it, and types it again if the picker
    dropped it, at most DATE_TRIES times."""
    field = page.get_by_label(label)
    shown = written_day(value)
    for attempt in range(1, DATE_TRIES + 1):
        page.wait_for_function(
            _PICKER_STARTED, arg=field.element_handle(), timeout=PATIENT_TIMEOUT_MS
        )
        field.fill(value)
        field.press("Enter")
        try:
            expect(field).to_have_value(shown, timeout=DATE_SHOWN_TIMEOUT_MS)
            return
        except AssertionError:
            if attempt == DATE_TRIES:
                raise


def submit(page: Page, shot: Screenshots | None = None) -> None:
    """Submits the task page's form and waits for the desk to say the task is done; with `shot`,
    a refused submission leaves a screenshot named `failed-submit`."""
    page.get_by_role("button", name="提交并完成任务").click()
    try:
        expect(page.get_by_role("status")).to_have_text("任务已完成。")
    except AssertionError:
        if shot is not None:
            shot(page, "failed-submit")
        raise
