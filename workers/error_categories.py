"""The categories of errors (错误类别) that the register keeps for every case, so that the repeat
check of Art. 12 ("同类错误再次发生") compares like with like across procedures.

The list is data (workers/data/error-categories.json), kept by the office; a category's code is the
value of the register variable `errorCategory` and never changes once used, while its Chinese name
and description may be reworded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

OTHER = "other"


@dataclass(frozen=True)
class ErrorCategory:
    code: str
    name: str
    description: str


class CategoryListError(ValueError):
    """The category list cannot be used; the message names the entry."""


def parse_categories(document: object) -> tuple[ErrorCategory, ...]:
    if not isinstance(document, dict) or not isinstance(document.get("categories"), list):
        raise CategoryListError("问题类别目录应为含 categories 列表的 JSON 对象")
    categories: list[ErrorCategory] = []
    for index, entry in enumerate(document["categories"]):
        where = f"问题类别目录第 {index + 1} 项"
        if not isinstance(entry, dict):
            raise CategoryListError(f"{where}不是对象")
        code, name, description = entry.get("code"), entry.get("name"), entry.get("description")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", code):
            raise CategoryListError(f"{where}的 code 应为小写英文、数字和连字符")
        if not isinstance(name, str) or not name.strip():
            raise CategoryListError(f"{where}（{code}）缺少名称")
        if not isinstance(description, str) or not description.strip():
            raise CategoryListError(f"{where}（{code}）缺少说明")
        categories.append(ErrorCategory(code, name.strip(), description.strip()))
    codes = [c.code for c in categories]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise CategoryListError(f"问题类别目录中 code 重复：{'、'.join(duplicates)}")
    names = [c.name for c in categories]
    same_names = sorted({n for n in names if names.count(n) > 1})
    if same_names:
        raise CategoryListError(f"问题类别目录中名称重复：{'、'.join(same_names)}")
    if OTHER not in codes:
        raise CategoryListError("问题类别目录应含“其他”（other）一类")
    return tuple(categories)


@cache
def error_categories() -> tuple[ErrorCategory, ...]:
    text = resources.files("workers").joinpath("data/error-categories.json").read_text("utf-8")
    return parse_categories(json.loads(text))


def category_codes() -> tuple[str, ...]:
    return tuple(c.code for c in error_categories())


def category_name(code: str) -> str:
    """The Chinese name of a code; a code no longer (or never) in the list reads as 其他 rather
    than leaking the code to an officer."""
    for category in error_categories():
        if category.code == code:
            return category.name
    return next(c.name for c in error_categories() if c.code == OTHER)
