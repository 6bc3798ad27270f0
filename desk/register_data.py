"""The register's reference data: the district's units by id and by the names people write
(workers/data/district-units.json) and the error categories' names
(workers/data/error-categories.json). Read here as data files, as the people file is shared with
the engine: the desk never imports workers/, and both read the same files, so a unit id or a
category code means the same to the repeat check and to the desk's register.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "workers" / "data"
DEFAULT_UNITS_FILE = DATA_DIR / "district-units.json"
DEFAULT_CATEGORIES_FILE = DATA_DIR / "error-categories.json"


@dataclass(frozen=True)
class UnitList:
    names: dict[str, str] = field(default_factory=dict)  # id → short name (区审计局)
    # every written form (short name, full name, alias), normalised → id
    ids_by_name: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)  # code → name (项目审批)

    def category_name(self, code: str) -> str:
        if not code:
            return ""
        return self.categories.get(code, "其他" if code == "other" else "未登记类别")

    def name_of(self, unit_id: str) -> str:
        return self.names.get(unit_id, "")

    def named(self, text: str | None) -> str:
        """The id of the unit a free-text name designates, else ""."""
        return self.ids_by_name.get(normalised(text), "") if text and text.strip() else ""


def squeezed(text: str) -> str:
    return "".join(text.split())


# The same reading of a written unit name as workers/organisation.py's: "绵阳市游仙区审计局",
# "游仙区审计局" and "区审计局" are one unit. tests/desk/test_register_history.py holds the two
# readings to the same answers.
_PREFIXES = ("中共绵阳市游仙区", "绵阳市游仙区", "中共游仙区", "游仙区", "绵阳市", "中共", "区")


def normalised(name: str) -> str:
    text = re.sub(r"\s+", "", name).replace("（", "(").replace("）", ")")
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
    return text


def _document(path: Path | None) -> object:
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_units(
    path: Path | None = DEFAULT_UNITS_FILE, categories_path: Path | None = DEFAULT_CATEGORIES_FILE
) -> UnitList:
    """An unreadable or missing file gives empty tables: the pages then show the names the cases
    themselves carry."""
    categories: dict[str, str] = {}
    listed = _document(categories_path)
    for entry in listed.get("categories") or [] if isinstance(listed, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            categories[entry["code"]] = str(entry.get("name") or "").strip()
    document = _document(path)
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    for entry in document.get("units") or [] if isinstance(document, dict) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        unit_id, name = entry["id"], str(entry.get("name") or "").strip()
        if not name:
            continue
        names[unit_id] = name
        written = [name, str(entry.get("fullName") or ""), *(entry.get("aliases") or [])]
        for text in written:
            if isinstance(text, str) and text.strip():
                ids.setdefault(normalised(text), unit_id)
    return UnitList(names=names, ids_by_name=ids, categories=categories)
