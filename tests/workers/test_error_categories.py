from __future__ import annotations

import pytest

from workers.error_categories import (
    OTHER,
    CategoryListError,
    category_codes,
    category_name,
    error_categories,
    parse_categories,
)


def test_the_shipped_list_has_the_contract_categories_in_chinese() -> None:
    names = {c.code: c.name for c in error_categories()}
    assert names[OTHER] == "其他"
    assert set(names.values()) >= {
        "项目审批",
        "资金使用",
        "招标投标",
        "政策执行",
        "安全生产",
        "生态环保",
        "工作作风",
        "其他",
    }
    assert all(c.description for c in error_categories())
    assert category_codes()[-1] == OTHER


def test_an_unknown_code_reads_as_other_never_as_the_code() -> None:
    assert category_name("fund-use") == "资金使用"
    assert category_name("retired-code") == "其他"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "categories"),
        ({"categories": [{"code": "Bad Code", "name": "甲", "description": "乙"}]}, "code"),
        ({"categories": [{"code": "a", "name": "", "description": "乙"}]}, "缺少名称"),
        ({"categories": [{"code": "a", "name": "甲", "description": " "}]}, "缺少说明"),
        (
            {
                "categories": [
                    {"code": "other", "name": "其他", "description": "乙"},
                    {"code": "other", "name": "别的", "description": "乙"},
                ]
            },
            "code 重复",
        ),
        ({"categories": [{"code": "a", "name": "甲", "description": "乙"}]}, "其他"),
    ],
)
def test_a_broken_list_is_refused_with_the_entry_named(document: object, message: str) -> None:
    with pytest.raises(CategoryListError, match=message):
        parse_categories(document)
