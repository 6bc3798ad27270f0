"""Every form field is a field of its form's pydantic model (workers.form_submissions), every
option a form offers is accepted, and a value no form offers is refused naming the field. The
end-to-end scenarios validate what they submit against the same models."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tests.procedure.bpmn_model import form_keys, load_forms
from workers.form_submissions import FORM_SUBMISSIONS, DepartmentFindings, FormSubmission

FORMS = load_forms()


def _components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        found.append(component)
        if component.get("type") != "dynamiclist":  # its entries are checked as lists
            found.extend(_components(component.get("components", [])))
    return found


def _aliases(model: type[FormSubmission]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def test_every_form_has_a_submission_model() -> None:
    assert sorted(FORM_SUBMISSIONS) == sorted(FORMS)


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_form_fields_are_exactly_the_fields_of_its_model(form_id: str) -> None:
    _, schema = FORMS[form_id]
    keys = set(form_keys(schema["components"]))
    model = FORM_SUBMISSIONS[form_id]
    assert keys - _aliases(model) == set(), f"{form_id}: fields missing from {model.__name__}"
    assert _aliases(model) - keys == set(), f"{model.__name__}: fields not on form {form_id}"


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_every_option_a_form_offers_is_accepted(form_id: str) -> None:
    _, schema = FORMS[form_id]
    model = FORM_SUBMISSIONS[form_id]
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    for component in _components(schema["components"]):
        for option in component.get("values", []):
            field = fields[component["key"]]
            value = (
                [option["value"]]
                if component["type"] in ("checklist", "taglist")
                else option["value"]
            )
            assert field.annotation is not None
            adapter: TypeAdapter[Any] = TypeAdapter(field.annotation)
            adapter.validate_python(value)


def test_a_value_no_form_offers_is_refused_naming_the_field() -> None:
    submitted = {
        "factsVerified": "已核实",
        "circumstancesFound": ["art7-11"],
        "distinctionExperience": "reform-inexperience",
        "distinctionProhibition": "no-explicit-restriction",
        "distinctionIntent": "unintentional-for-development",
        "reformContext": "pilot-first",
        "publicSpirit": "public-spirited",
        "objectiveCause": "unforeseeable",
        "conductBackground": "背景",
        "conductMotive": "动机",
        "conductConsequences": "后果",
        "consequenceSeverity": "limited",
        "investigationConclusion": "结论",
        "investigationCompletedOn": "2026-09-18",
    }
    with pytest.raises(ValidationError) as refused:
        DepartmentFindings.model_validate(submitted)
    assert [error["loc"][0] for error in refused.value.errors()] == ["circumstancesFound"]


def test_a_field_the_form_does_not_have_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        FORM_SUBMISSIONS["investigation-opinion-approval"].model_validate(
            {"opinionApproved": True, "opinionAproved": True}
        )
    assert [error["loc"][0] for error in refused.value.errors()] == ["opinionAproved"]
