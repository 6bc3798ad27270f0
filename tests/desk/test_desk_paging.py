"""The desk's /v2 cursor paging (`desk/web/api.js`), run by node against a stubbed fetch: every
page is fetched by passing the previous answer's `endCursor` as `page.after`, until a short page
or a missing cursor ends it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.desk.browser import ROOT

API = (ROOT / "desk" / "web" / "api.js").as_uri()

# A /v2 search over `total` items that honours limit and after (the cursor is opaque text).
SCRIPT = """
globalThis.document = { cookie: 'desk_csrf=token' };
const [total, honoursLimit] = [Number(process.argv[3]), process.argv[4] === 'yes'];
const requests = [];
globalThis.fetch = async (path, init) => {
  const body = JSON.parse(init.body);
  requests.push({ path, page: body.page, filter: body.filter, csrf: init.headers['x-csrf-token'] });
  const start = body.page.after ? Number(body.page.after.slice('c'.length)) : 0;
  const limit = honoursLimit ? body.page.limit : total;
  const items = Array.from({ length: Math.max(0, Math.min(limit, total - start)) },
    (_, i) => ({ key: String(start + i) }));
  const page = honoursLimit
    ? { totalItems: total, endCursor: items.length ? `c${start + items.length}` : null }
    : { totalItems: total };
  return { ok: true, status: 200, text: async () => JSON.stringify({ items, page }) };
};
const { v2 } = await import(process.argv[2]);
const items = await v2.searchAll('/process-instances/search', { filter: { state: 'ACTIVE' } });
const first = await v2.page('/user-tasks/search', { page: { limit: 2 } });
const second = await v2.page('/user-tasks/search', { page: { limit: 2 } }, first.next);
console.log(JSON.stringify({ keys: items.map((i) => i.key), requests, first, second }));
"""


def _run(tmp_path: Path, total: int, honours_limit: bool) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise AssertionError("node is missing (needed to run the desk's paging): install nodejs")
    script = tmp_path / "paging.mjs"
    script.write_text(SCRIPT, encoding="utf-8")
    answer = subprocess.run(
        [node, str(script), API, str(total), "yes" if honours_limit else "no"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


def test_search_all_follows_the_cursor_to_the_last_page(tmp_path: Path) -> None:
    result = _run(tmp_path, 2500, honours_limit=True)
    assert result["keys"] == [str(i) for i in range(2500)]
    searches = [r for r in result["requests"] if r["path"].endswith("/process-instances/search")]
    assert [r["page"] for r in searches] == [
        {"limit": 1000},
        {"limit": 1000, "after": "c1000"},
        {"limit": 1000, "after": "c2000"},
    ]
    assert all(r["filter"] == {"state": "ACTIVE"} and r["csrf"] == "token" for r in searches)


def test_a_page_and_the_next_for_load_more(tmp_path: Path) -> None:
    result = _run(tmp_path, 5, honours_limit=True)
    assert [i["key"] for i in result["first"]["items"]] == ["0", "1"]
    assert result["first"]["next"] == "c2"
    assert [i["key"] for i in result["second"]["items"]] == ["2", "3"]


def test_an_answer_without_a_cursor_ends_the_paging(tmp_path: Path) -> None:
    result = _run(tmp_path, 1500, honours_limit=False)
    assert len(result["keys"]) == 1500
    searches = [r for r in result["requests"] if r["path"].endswith("/process-instances/search")]
    assert len(searches) == 1
    assert result["first"]["next"] is None
