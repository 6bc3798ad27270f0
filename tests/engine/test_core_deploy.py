"""Deployment: versioning, atomic multi-resource deployments, and refusals that name the
resource, the element and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import InvalidArgument, Resource
from engine.testing import EngineHarness, Transport

BPMN = Path(__file__).parent / "bpmn"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">'
)


def process(body: str, process_id: str = "p") -> bytes:
    return (
        f'{HEAD}<bpmn:process id="{process_id}" isExecutable="true">'
        f'<bpmn:startEvent id="start"/>{body}</bpmn:process></bpmn:definitions>'
    ).encode()


def three_tasks(text: str = "") -> Resource:
    content = (
        (BPMN / "three-tasks.bpmn")
        .read_text()
        .replace("Three service tasks", text or "Three service tasks")
    )
    return Resource("three-tasks.bpmn", content.encode())


async def test_identical_redeploy_keeps_version_and_changed_content_gets_new_one(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        first = (await h.commands.deploy([three_tasks()])).processes[0]
        again = (await h.commands.deploy([three_tasks()])).processes[0]
        assert (again.version, again.process_definition_key) == (1, first.process_definition_key)
        changed = (await h.commands.deploy([three_tasks("renamed")])).processes[0]
        assert changed.version == 2
        assert changed.process_definition_key != first.process_definition_key


async def test_running_instances_stay_on_their_version(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        v1 = (await h.commands.deploy([three_tasks()])).processes[0]
        old = await h.start("three-tasks")
        await h.commands.deploy([three_tasks("v2")])
        new = await h.commands.create_process_instance(bpmn_process_id="three-tasks")
        assert new.version == 2
        job = await h.activate_job("a", process_instance_key=old)
        assert job.process_definition_key == v1.process_definition_key
        assert job.process_definition_version == 1
        pinned = await h.commands.create_process_instance(bpmn_process_id="three-tasks", version=1)
        assert pinned.process_definition_key == v1.process_definition_key


async def test_forms_are_versioned_and_listed(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        form = (BPMN / "review-form.form").read_bytes()
        one = (await h.commands.deploy([Resource("f.form", form)])).forms[0]
        same = (await h.commands.deploy([Resource("f.form", form)])).forms[0]
        assert (one.form_id, one.version) == ("review-form", 1) and same.form_key == one.form_key
        two = (
            await h.commands.deploy([Resource("f.form", form.replace(b"Approved", b"OK"))])
        ).forms[0]
        assert two.version == 2
        assert [f["version"] for f in h.engine.query.forms()] == [1, 2]


async def test_deployment_with_a_bad_resource_deploys_nothing(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        bad = Resource("bad.bpmn", process('<bpmn:serviceTask id="check"/>'))
        with pytest.raises(
            InvalidArgument,
            match=r"'bad.bpmn'.*serviceTask 'check' has no zeebe:taskDefinition type",
        ):
            await h.commands.deploy([three_tasks(), bad])
        assert h.engine.query.process_definitions() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<bpmn:complexGateway id="cx"/>', "complex gateway 'cx' is not supported"),
        ('<bpmn:transaction id="tx"/>', "transaction 'tx' is not supported"),
        (
            '<bpmn:intermediateCatchEvent id="cond"><bpmn:conditionalEventDefinition/>'
            "</bpmn:intermediateCatchEvent>",
            "conditional intermediate catch event 'cond' is not supported",
        ),
        (
            '<bpmn:intermediateThrowEvent id="esc"><bpmn:escalationEventDefinition/>'
            "</bpmn:intermediateThrowEvent>",
            "escalation intermediate throw event 'esc' is not supported",
        ),
        (
            '<bpmn:intermediateThrowEvent id="lnk"><bpmn:linkEventDefinition name="x"/>'
            "</bpmn:intermediateThrowEvent>",
            "link intermediate throw event 'lnk' is not supported",
        ),
        ('<bpmn:adHocSubProcess id="adhoc"/>', "ad-hoc sub-process 'adhoc' is not supported"),
        ('<bpmn:callActivity id="call"/>', "call activity 'call' has no zeebe:calledElement"),
        (
            '<bpmn:sequenceFlow id="f" sourceRef="start" targetRef="ghost"/>',
            "sequence flow 'f' has target 'ghost'",
        ),
        (
            '<bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition><bpmn:timeDuration>'
            "soon</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            "timer of 't'",
        ),
        (
            '<bpmn:exclusiveGateway id="x"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
            '<bpmn:sequenceFlow id="a" sourceRef="x" targetRef="e1"/>'
            '<bpmn:sequenceFlow id="b" sourceRef="x" targetRef="e2"/>',
            "sequence flow 'a' leaving exclusive gateway 'x' has no condition",
        ),
        ('<bpmn:startEvent id="start"/>', "element id 'start' is used more than once"),
        (
            '<bpmn:task id="listened"><bpmn:extensionElements><zeebe:executionListeners/>'
            "</bpmn:extensionElements></bpmn:task>",
            "'listened' uses zeebe:executionListeners",
        ),
        (
            '<bpmn:serviceTask id="calc"><bpmn:extensionElements><zeebe:taskDefinition type="t"/>'
            '<zeebe:ioMapping><zeebe:input source="=1 +" target="x"/></zeebe:ioMapping>'
            "</bpmn:extensionElements></bpmn:serviceTask>",
            "mapping 'x' of 'calc' is not valid FEEL '1 \\+'",
        ),
    ],
)
async def test_deploy_rejections_name_the_element(
    body: str, message: str, engine_transport: Transport
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        with pytest.raises(InvalidArgument, match=message):
            await h.commands.deploy([Resource("p.bpmn", process(body))])


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (Resource("p.bpmn", b"<not xml"), "'p.bpmn' is not well-formed XML"),
        (
            Resource("p.bpmn", b'<!DOCTYPE x [<!ENTITY a "b">]><x/>'),
            "declares a DOCTYPE",
        ),
        (Resource("p.txt", b"hello"), "'p.txt' has none of them"),
        (Resource("f.form", b"[]"), "form 'f.form' must be a JSON object"),
        (Resource("f.form", b'{"components": []}'), "has no 'id'"),
        (Resource("p.bpmn", (HEAD + "</bpmn:definitions>").encode()), "no executable process"),
    ],
)
async def test_malformed_resources_are_refused(
    resource: Resource, message: str, engine_transport: Transport
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        with pytest.raises(InvalidArgument, match=message):
            await h.commands.deploy([resource])
        # and the engine keeps serving
        assert (await h.commands.deploy([three_tasks()])).processes[0].version == 1


async def test_non_utf8_resource_is_refused_before_anything_is_written(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        latin = (BPMN / "three-tasks.bpmn").read_bytes().replace(b"UTF-8", b"ISO-8859-1")
        latin = latin.replace(b"Three service tasks", "Drei Aufgaben \u00e4".encode("latin-1"))
        with pytest.raises(InvalidArgument, match="not UTF-8"):
            await h.commands.deploy(
                [Resource("ok.form", b'{"id": "f"}'), Resource("x.bpmn", latin)]
            )
        assert h.engine.query.forms() == []
