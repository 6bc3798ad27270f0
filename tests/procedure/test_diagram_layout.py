"""The diagrams are laid out for a reader: no two shapes overlap, and every element drawn inside
an expanded sub-process lies within its box (a boundary event sits on its host's edge)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.procedure.bpmn_model import BPMN, Diagram, load_diagrams, local

DD = "http://www.omg.org/spec/DD/20100524/DC"
# The diagrams of the application and acceptance stage; the others are laid out by their owners.
LAID_OUT = ("application", "acceptance", "exemption-procedure", "reminder-warning")
DIAGRAMS = [d for d in load_diagrams() if d.process_id in LAID_OUT]

Box = tuple[float, float, float, float]


def _bounds(diagram: Diagram) -> dict[str, Box]:
    boxes = {}
    for element_id, shape in diagram.di_elements("BPMNShape").items():
        bounds = shape.find(f"{{{DD}}}Bounds")
        assert bounds is not None, element_id
        x, y = float(bounds.get("x", 0)), float(bounds.get("y", 0))
        boxes[element_id] = (
            x,
            y,
            x + float(bounds.get("width", 0)),
            y + float(bounds.get("height", 0)),
        )
    return boxes


def _parents(diagram: Diagram) -> dict[str, str]:
    """Flow node id -> id of the sub-process that contains it."""
    parents: dict[str, str] = {}

    def walk(element: ET.Element, parent: str) -> None:
        for child in element:
            if not child.tag.startswith(f"{{{BPMN}}}") or not child.get("id"):
                continue
            parents[child.get("id", "")] = parent
            if local(child.tag) == "subProcess":
                walk(child, child.get("id", ""))

    walk(diagram.process, "")
    return parents


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: Box, outer: Box) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=[d.process_id for d in DIAGRAMS])
def test_no_two_shapes_overlap_and_children_stay_in_their_sub_process(diagram: Diagram) -> None:
    boxes = _bounds(diagram)
    parents = _parents(diagram)
    hosts = {b.get("id", ""): b.get("attachedToRef", "") for b in diagram.elements("boundaryEvent")}

    def ancestors(element_id: str) -> set[str]:
        found = set()
        while parents.get(element_id):
            element_id = parents[element_id]
            found.add(element_id)
        return found

    problems = []
    ids = sorted(boxes)
    for index, first in enumerate(ids):
        for second in ids[index + 1 :]:
            related = (
                first in ancestors(second)
                or second in ancestors(first)
                or hosts.get(first) == second
                or hosts.get(second) == first
            )
            if not related and _overlap(boxes[first], boxes[second]):
                problems.append(f"{first} overlaps {second}")
    for element_id, parent in parents.items():
        drawn_inside = parent and element_id in boxes and element_id not in hosts
        if drawn_inside and not _inside(boxes[element_id], boxes[parent]):
            problems.append(f"{element_id} lies outside its sub-process {parent}")
    assert problems == [], f"{diagram.process_id}: " + "; ".join(problems)
