"""Art. 8(3): the district's units that may investigate, and who is recused (回避)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from workers.form_submissions import DepartmentAssignment
from workers.organisation import (
    DEPARTMENT_NAMES,
    UnitListError,
    district_units,
    parse_units,
    unit_named,
)
from workers.recusal import (
    CaseParties,
    DepartmentAssignmentCheck,
    assignable_units,
    assignment_refusals,
    recusal_notice,
    recusals,
)

INDIVIDUAL = CaseParties(
    applicant_type="individual",
    applicant_name="李明",
    applicant_unit="游仙区发展和改革局",
    accountability_subject="区纪委监委",
    accountability_subject_group="subject-discipline-commission",
)


def test_the_unit_list_holds_more_than_the_leading_group_members() -> None:
    units = district_units()
    members = [u.id for u in units if u.leading_group_member]
    # Art. 5's eleven member units keep their ids (cases and identities use them)
    assert members == [
        "dept-party-office",
        "dept-government-office",
        "dept-discipline-commission",
        "dept-org-department",
        "dept-political-legal",
        "dept-inspection-office",
        "dept-target-supervision",
        "dept-human-resources",
        "dept-audit",
        "dept-justice",
        "dept-legal-affairs",
    ]
    kinds = {u.kind for u in units}
    assert kinds == {"district-department", "subdistrict", "township", "development-zone"}
    assert {"涪江街道", "魏城镇", "区发展和改革局", "游仙经济开发区"} <= {u.name for u in units}
    assert DEPARTMENT_NAMES["town-weicheng"] == "魏城镇"


@pytest.mark.parametrize(
    ("written", "unit_id"),
    [
        ("游仙区发展和改革局", "dept-development-reform"),
        ("绵阳市游仙区发展和改革局", "dept-development-reform"),
        ("区发改局", "dept-development-reform"),
        ("游仙区魏城镇人民政府", "town-weicheng"),
        ("魏城镇", "town-weicheng"),
        ("区纪委监委", "dept-discipline-commission"),
        (" 富乐街道办事处 ", "street-fule"),
    ],
)
def test_a_unit_is_recognised_by_the_names_applicants_write(written: str, unit_id: str) -> None:
    unit = unit_named(written)
    assert unit is not None and unit.id == unit_id


@pytest.mark.parametrize("written", ["", None, "某公司", "区"])
def test_a_name_of_no_district_unit_designates_none(written: str | None) -> None:
    assert unit_named(written) is None


def test_the_subject_and_the_applicants_unit_are_recused() -> None:
    found = {r.unit.id: r.reason for r in recusals(INDIVIDUAL)}
    assert found == {
        "dept-discipline-commission": "系本案问责主体",
        "dept-development-reform": "系申请人所在单位",
    }
    offered = {u.id for u in assignable_units(INDIVIDUAL)}
    assert not offered & set(found)
    assert len(offered) == len(district_units()) - 2
    assert recusal_notice(recusals(INDIVIDUAL)) == (
        "依回避要求，区纪委监委（系本案问责主体）；区发展和改革局（系申请人所在单位）"
        "不参加本案调查核实，不列入可选单位。"
    )


def test_a_unit_applicant_and_the_office_of_the_district_government_are_recused() -> None:
    parties = CaseParties(
        applicant_type="unit",
        applicant_name="游仙区魏城镇人民政府",
        applicant_unit="游仙区魏城镇人民政府",
        accountability_subject="区政府",
        accountability_subject_group="subject-district-government",
    )
    found = {r.unit.id: r.reason for r in recusals(parties)}
    assert found == {
        "dept-government-office": "系本案问责主体区政府的办事机构",
        "town-weicheng": "系本案申请单位",
    }


def test_the_unit_party_organisation_as_subject_recuses_the_applicants_unit() -> None:
    parties = INDIVIDUAL.model_copy(
        update={
            "accountability_subject": "游仙区发展和改革局党组",
            "accountability_subject_group": "subject-unit-party-organisation",
        }
    )
    assert [r.unit.id for r in recusals(parties)] == ["dept-development-reform"]


def test_nothing_to_recuse_is_said_plainly() -> None:
    assert recusals(CaseParties()) == []
    assert recusal_notice([]) == "本案无须回避的单位。"


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["dept-audit", "town-weicheng"], []),
        (
            ["dept-audit", "dept-discipline-commission"],
            ["「负责调查核实的部门」不得选择区纪委监委：系本案问责主体，应当回避。"],
        ),
        (
            ["dept-development-reform"],
            ["「负责调查核实的部门」不得选择区发展和改革局：系申请人所在单位，应当回避。"],
        ),
        (["dept-unknown"], ["「负责调查核实的部门」所选单位（dept-unknown）不在本区单位名录中。"]),
        ([], ["「负责调查核实的部门」至少应选择一个单位。"]),
    ],
)
def test_an_assignment_naming_a_recused_or_unknown_unit_is_refused_naming_the_field(
    chosen: list[str], expected: list[str]
) -> None:
    check = DepartmentAssignmentCheck(**INDIVIDUAL.model_dump(), investigating_departments=chosen)
    assert assignment_refusals(check) == expected


def test_the_assignment_form_model_accepts_any_district_unit_and_refuses_others() -> None:
    DepartmentAssignment.model_validate(
        {
            "investigatingDepartments": ["town-xianhe", "street-chunlei", "dept-finance"],
            "investigationInstructions": "核实",
        }
    )
    with pytest.raises(ValueError, match="不在本区单位名录中"):
        DepartmentAssignment.model_validate(
            {"investigatingDepartments": ["dept-nowhere"], "investigationInstructions": "核实"}
        )


def test_a_broken_unit_list_is_refused_naming_the_entry() -> None:
    text = resources.files("workers").joinpath("data/district-units.json").read_text("utf-8")
    document = json.loads(text)
    document["units"].append(dict(document["units"][0]))
    with pytest.raises(UnitListError, match="dept-party-office"):
        parse_units(document)
    with pytest.raises(UnitListError, match="第 1 项"):
        parse_units({"units": [{"id": "x", "name": "", "kind": "township"}]})
