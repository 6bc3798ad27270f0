"""Reads the committed diagrams, decisions and forms the way the consistency tests need them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BPMN_DIR = REPO / "bpmn"
FORMS_DIR = REPO / "forms"
DOCS_DIR = REPO / "docs"

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
MODELER = "http://camunda.org/schema/modeler/1.0"
DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"

# `definition#element`: a process id or decision id, then an element id inside it.
REFERENCE = re.compile(r"`([A-Za-z0-9_-]+)#([A-Za-z0-9_-]+)`")

# Element kinds that are flow nodes and so need a shape in the diagram.
FLOW_NODE_TAGS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "userTask",
    "manualTask",
    "scriptTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True)
class Diagram:
    path: Path
    root: ET.Element

    @property
    def process(self) -> ET.Element:
        found = self.root.find(f"{{{BPMN}}}process")
        assert found is not None, f"{self.path.name}: no bpmn:process"
        return found

    @property
    def process_id(self) -> str:
        return self.process.get("id", "")

    def elements(self, tag: str) -> list[ET.Element]:
        return list(self.process.iter(f"{{{BPMN}}}{tag}"))

    def flow_nodes(self) -> list[ET.Element]:
        return [
            e
            for e in self.process.iter()
            if e.tag.startswith(f"{{{BPMN}}}") and local(e.tag) in FLOW_NODE_TAGS
        ]

    def ids(self) -> set[str]:
        return {e.get("id", "") for e in self.process.iter() if e.get("id")}

    def di_elements(self, tag: str) -> dict[str, ET.Element]:
        return {e.get("bpmnElement", ""): e for e in self.root.iter(f"{{{BPMNDI}}}{tag}")}


def zeebe(element: ET.Element, tag: str) -> ET.Element | None:
    extensions = element.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        return None
    return extensions.find(f"{{{ZEEBE}}}{tag}")


def load_diagrams() -> list[Diagram]:
    return [Diagram(p, ET.parse(p).getroot()) for p in sorted(BPMN_DIR.glob("*.bpmn"))]


def load_decisions() -> dict[str, ET.Element]:
    decisions: dict[str, ET.Element] = {}
    for path in sorted(BPMN_DIR.glob("*.dmn")):
        for decision in ET.parse(path).getroot().iter(f"{{{DMN}}}decision"):
            decisions[decision.get("id", "")] = decision
    return decisions


def load_forms() -> dict[str, tuple[Path, dict[str, Any]]]:
    forms: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(FORMS_DIR.glob("*.form")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        forms[str(schema.get("id"))] = (path, schema)
    return forms


def form_keys(components: list[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for component in components:
        if "key" in component:
            keys.append(str(component["key"]))
        if component.get("type") == "dynamiclist":
            # a dynamic list submits one variable (its path): a list of its fields' entries
            keys.append(str(component["path"]))
            continue
        keys.extend(form_keys(component.get("components", [])))
    return keys


def known_elements() -> dict[str, set[str]]:
    known = {d.process_id: d.ids() for d in load_diagrams()}
    for decision_id, decision in load_decisions().items():
        known[decision_id] = {e.get("id", "") for e in decision.iter() if e.get("id")}
        known[decision_id] |= {r.get("id", "") for r in decision.iter(f"{{{DMN}}}rule")}
    return known
