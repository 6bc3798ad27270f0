"""Element kinds and their processors: every kind the parser produces is run by a processor of
the core's table, and a kind without one is refused at deployment, naming the element."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.api import InvalidArgument, Resource
from engine.core.element_processors import ELEMENT_PROCESSORS, refuse_unprocessed_kinds
from engine.definitions.bpmn_parser import parse_bpmn
from engine.definitions.element_kind import ElementKind
from engine.testing import EngineHarness

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted([*ROOT.glob("bpmn/**/*.bpmn"), *(ROOT / "tests").glob("**/*.bpmn")])

UNKNOWN_ELEMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="talks" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="talk"/>
    <bpmn:choreographyTask id="talk"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_every_kind_an_element_can_have_has_a_processor() -> None:
    flow_only = {ElementKind.SEQUENCE_FLOW}
    assert set(ElementKind) - flow_only == set(ELEMENT_PROCESSORS)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_element_the_parser_produces_has_a_processor(path: Path) -> None:
    for model in parse_bpmn(path.read_bytes(), path.name):
        for node in model.nodes.values():
            assert isinstance(node.kind, ElementKind), node.id
            assert node.kind in ELEMENT_PROCESSORS, node.id
        refuse_unprocessed_kinds(path.name, model)


def test_a_kind_without_processor_is_refused_naming_the_element() -> None:
    [model] = parse_bpmn((ROOT / "tests/engine/bpmn/three-tasks.bpmn").read_bytes(), "t.bpmn")
    strange = dataclasses.replace(model.nodes["a"], kind="COMPLEX_GATEWAY")  # type: ignore[arg-type]
    tampered = dataclasses.replace(model, nodes={**model.nodes, "a": strange})
    with pytest.raises(InvalidArgument, match=r"'t\.bpmn': element 'a' of kind 'COMPLEX_GATEWAY'"):
        refuse_unprocessed_kinds("t.bpmn", tampered)


async def test_an_unknown_element_is_refused_at_deployment_naming_it() -> None:
    async with EngineHarness() as h:
        with pytest.raises(InvalidArgument, match=r"'talk'") as refused:
            await h.deploy(Resource("talks.bpmn", UNKNOWN_ELEMENT))
        assert "choreographyTask" in str(refused.value)
        assert h.engine.query.process_definitions() == []
