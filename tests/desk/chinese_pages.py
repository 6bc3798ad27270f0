"""What an officer can read on a desk page, and what of it is not Chinese.

Read in the browser: visible text nodes (SVG text of diagrams and charts included), and the
placeholder, title, aria-label and alt of visible elements. Allowed: the bpmn.io watermark on
diagrams and forms (its licence requires it), numbers, punctuation; a Latin letter anywhere
else is English or a field name leaking to the officer.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

from playwright.sync_api import Page

from tests.desk.browser import ROOT

# The watermarks of bpmn-js and form-js.
WATERMARKS = ".bjs-powered-by, .fjs-powered-by, .djs-powered-by"
LATIN = re.compile(r"[A-Za-z]+")

_READ_PAGE = (Path(__file__).parent / "visible_text.js").read_text(encoding="utf-8")


def english_on(page: Page) -> list[str]:
    """Every piece of visible text holding a Latin letter, as 'where: text'."""
    found: list[dict[str, str]] = page.evaluate(_READ_PAGE, WATERMARKS)
    return sorted(
        {f"{item['where']}: {item['text']}" for item in found if LATIN.search(item["text"])}
    )


def form_ids() -> list[str]:
    import json

    return sorted(
        json.loads(path.read_text(encoding="utf-8"))["id"] for path in ROOT.glob("forms/*.form")
    )


def form_gallery_bpmn(process_id: str, candidate_users: list[str]) -> str:
    """One process whose parallel user tasks show every form in forms/*.form, offered to the
    given users: the desk renders each form on its own task page, exactly as for a case."""
    forms = form_ids()
    users = ",".join(candidate_users)
    tasks, flows, shapes, edges = [], [], [], []
    for index, form_id in enumerate(forms):
        task_id = f"show_{form_id.replace('-', '_')}"
        y = 80 + index * 100
        tasks.append(
            f'<bpmn:userTask id="{task_id}" name={quoteattr("表单" + str(index + 1))}>'
            "<bpmn:extensionElements><zeebe:userTask />"
            f'<zeebe:formDefinition formId="{form_id}" />'
            f'<zeebe:assignmentDefinition candidateUsers="{users}" />'
            "</bpmn:extensionElements>"
            f"<bpmn:incoming>in_{index}</bpmn:incoming><bpmn:outgoing>out_{index}</bpmn:outgoing>"
            "</bpmn:userTask>"
        )
        flows.append(
            f'<bpmn:sequenceFlow id="in_{index}" sourceRef="fork" targetRef="{task_id}" />'
            f'<bpmn:sequenceFlow id="out_{index}" sourceRef="{task_id}" targetRef="join" />'
        )
        shapes.append(
            f'<bpmndi:BPMNShape id="{task_id}_di" bpmnElement="{task_id}">'
            f'<dc:Bounds x="300" y="{y}" width="100" height="80" /></bpmndi:BPMNShape>'
        )
        edges.append(
            f'<bpmndi:BPMNEdge id="in_{index}_di" bpmnElement="in_{index}">'
            f'<di:waypoint x="225" y="{y + 40}" /><di:waypoint x="300" y="{y + 40}" />'
            "</bpmndi:BPMNEdge>"
            f'<bpmndi:BPMNEdge id="out_{index}_di" bpmnElement="out_{index}">'
            f'<di:waypoint x="400" y="{y + 40}" /><di:waypoint x="475" y="{y + 40}" />'
            "</bpmndi:BPMNEdge>"
        )
    fork_in = "".join(f"<bpmn:outgoing>in_{i}</bpmn:outgoing>" for i in range(len(forms)))
    join_in = "".join(f"<bpmn:incoming>out_{i}</bpmn:incoming>" for i in range(len(forms)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="gallery_definitions"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" name="表单一览" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>toFork</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="toFork" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" name="分发表单">
    <bpmn:incoming>toFork</bpmn:incoming>{fork_in}</bpmn:parallelGateway>
    {"".join(tasks)}
    <bpmn:parallelGateway id="join" name="汇合">{join_in}<bpmn:outgoing>toEnd</bpmn:outgoing>
    </bpmn:parallelGateway>
    <bpmn:sequenceFlow id="toEnd" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>toEnd</bpmn:incoming></bpmn:endEvent>
    {"".join(flows)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="gallery_diagram">
  <bpmndi:BPMNPlane id="gallery_plane" bpmnElement="{process_id}">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
    <dc:Bounds x="80" y="102" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="fork_di" bpmnElement="fork">
    <dc:Bounds x="175" y="95" width="50" height="50" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="join_di" bpmnElement="join">
    <dc:Bounds x="475" y="95" width="50" height="50" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end">
    <dc:Bounds x="580" y="102" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="toFork_di" bpmnElement="toFork">
    <di:waypoint x="116" y="120" />
    <di:waypoint x="175" y="120" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="toEnd_di" bpmnElement="toEnd">
    <di:waypoint x="525" y="120" />
    <di:waypoint x="580" y="120" />
    </bpmndi:BPMNEdge>
    {"".join(shapes)}{"".join(edges)}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
