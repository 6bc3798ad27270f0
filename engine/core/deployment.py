"""The deploy command: parses and validates every resource first (all or nothing), then writes
PROCESS / DECISION_REQUIREMENTS / DECISION / FORM records for new content and a DEPLOYMENT record.

Versioning as in Zeebe: redeploying identical content of an id returns the existing version and
key; changed content gets the next version. Running instances keep their definition key.
"""

from __future__ import annotations

from typing import Any

from engine.api import (
    DeployedDecision,
    DeployedDecisionRequirements,
    DeployedForm,
    DeployedProcess,
    Deployment,
    InvalidArgument,
    Resource,
)
from engine.core.appliers import checksum
from engine.core.bpmn import Bpmn
from engine.core.element_processors import refuse_unprocessed_kinds
from engine.core.expressions import ExpressionFailure, evaluate
from engine.core.records import Intent, ValueType
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import ProcessModel
from engine.definitions.bpmn_parser import parse_bpmn
from engine.definitions.feel_check import check_feel_syntax
from engine.definitions.forms import FormModel, parse_form
from engine.definitions.timer_expressions import TimerError, TimerSchedule, schedule
from engine.limits import check_deployment_size, check_flow_nodes


def _text(resource: Resource) -> str:
    try:
        return resource.content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument(f"resource '{resource.name}' is not UTF-8 text") from None


def _start_timers(
    model: ProcessModel, resource_name: str, now: int
) -> list[tuple[str, TimerSchedule]]:
    """Timer start events are evaluated at deploy time (FEEL without variables), so a bad
    definition refuses the deployment instead of failing later."""
    plans = []
    for start in model.start_events("TIMER"):
        assert start.timer is not None
        try:
            value = evaluate(start.timer.expression, {}, now)
            plans.append((start.id, schedule(start.timer.kind, value, now)))
        except (ExpressionFailure, TimerError) as error:
            raise InvalidArgument(
                f"'{resource_name}': timer start event '{start.id}': {error}"
            ) from None
    return plans


def deploy(writer: RecordWriter, resources: list[Resource], tenant_id: str) -> Deployment:
    if not resources:
        raise InvalidArgument("Expected to deploy at least one resource, but none given")
    # Sizes before any parsing: a refusal then costs nothing but this sum.
    check_deployment_size({r.name: len(r.content) for r in resources})
    processes: list[tuple[Resource, ProcessModel]] = []
    drgs: list[tuple[Resource, Any]] = []
    forms: list[tuple[Resource, FormModel]] = []
    seen: dict[tuple[str, str], str] = {}

    def claim(kind: str, element_id: str, name: str) -> None:
        other = seen.get((kind, element_id))
        if other is not None:
            raise InvalidArgument(
                f"Duplicated {kind} id '{element_id}' in resources '{other}' and '{name}'"
            )
        seen[(kind, element_id)] = name

    for resource in resources:
        name = resource.name
        lowered = name.lower()
        _text(resource)  # refuse non-UTF-8 content before anything is written
        if lowered.endswith((".bpmn", ".bpmn20.xml")):
            for model in parse_bpmn(resource.content, name):
                check_flow_nodes(name, model.id, len(model.nodes))
                check_feel_syntax(model, name)
                refuse_unprocessed_kinds(name, model)
                claim("process", model.id, name)
                processes.append((resource, model))
        elif lowered.endswith(".dmn"):
            from engine.dmn import DmnParseError, parse_dmn

            try:
                drg = parse_dmn(resource.content, name)
            except DmnParseError as error:
                raise InvalidArgument(f"'{name}': {error}") from None
            claim("decision requirements", drg.id, name)
            for decision in drg.decisions:
                claim("decision", decision.id, name)
            drgs.append((resource, drg))
        elif lowered.endswith(".form"):
            form = parse_form(resource.content, name)
            claim("form", form.form_id, name)
            forms.append((resource, form))
        else:
            raise InvalidArgument(
                f"Expected to deploy resources with extension .bpmn, .dmn or .form, but resource "
                f"'{name}' has none of them"
            )

    start_timers = {
        model.id: _start_timers(model, resource.name, writer.now) for resource, model in processes
    }
    state = writer.state
    bpmn = Bpmn(writer)
    deployment_key = writer.new_key()
    deployed_processes: list[DeployedProcess] = []
    for resource, model in processes:
        text = _text(resource)
        digest = checksum(text)
        latest = state.latest_process(model.id, tenant_id)
        if latest is not None and latest.checksum == digest:
            deployed_processes.append(
                DeployedProcess(
                    model.id, latest.version, latest.key, latest.resource_name, tenant_id
                )
            )
            continue
        key = writer.new_key()
        version = latest.version + 1 if latest else 1
        writer.event(
            ValueType.PROCESS,
            Intent.CREATED,
            key,
            {
                "bpmnProcessId": model.id,
                "version": version,
                "processDefinitionKey": key,
                "resourceName": resource.name,
                "resource": text,
                "checksum": digest,
                "deploymentKey": deployment_key,
                "tenantId": tenant_id,
            },
        )
        deployed_processes.append(DeployedProcess(model.id, version, key, resource.name, tenant_id))
        bpmn.events.open_start_events(state.processes[key], start_timers[model.id])

    deployed_drgs: list[DeployedDecisionRequirements] = []
    deployed_decisions: list[DeployedDecision] = []
    for resource, drg in drgs:
        text = _text(resource)
        digest = checksum(text)
        latest_keys = state.drg_versions.get((tenant_id, drg.id))
        latest_drg = state.drgs[latest_keys[-1]] if latest_keys else None
        if latest_drg is not None and latest_drg.checksum == digest:
            drg_key, drg_version = latest_drg.key, latest_drg.version
            deployed_drgs.append(
                DeployedDecisionRequirements(
                    drg.id,
                    latest_drg.name,
                    drg_version,
                    drg_key,
                    latest_drg.resource_name,
                    tenant_id,
                )
            )
            for decision in drg.decisions:
                existing = state.latest_decision(decision.id, tenant_id)
                if existing is not None:
                    deployed_decisions.append(
                        DeployedDecision(
                            decision.id,
                            decision.name,
                            existing.version,
                            existing.key,
                            drg.id,
                            drg_key,
                            tenant_id,
                        )
                    )
            continue
        drg_key = writer.new_key()
        drg_version = latest_drg.version + 1 if latest_drg else 1
        drg_name = getattr(drg, "name", "") or drg.id
        writer.event(
            ValueType.DECISION_REQUIREMENTS,
            Intent.CREATED,
            drg_key,
            {
                "decisionRequirementsId": drg.id,
                "decisionRequirementsName": drg_name,
                "version": drg_version,
                "decisionRequirementsKey": drg_key,
                "resourceName": resource.name,
                "resource": text,
                "checksum": digest,
                "tenantId": tenant_id,
            },
        )
        deployed_drgs.append(
            DeployedDecisionRequirements(
                drg.id, drg_name, drg_version, drg_key, resource.name, tenant_id
            )
        )
        for decision in drg.decisions:
            previous = state.latest_decision(decision.id, tenant_id)
            version = previous.version + 1 if previous else 1
            decision_key = writer.new_key()
            decision_name = getattr(decision, "name", "") or decision.id
            writer.event(
                ValueType.DECISION,
                Intent.CREATED,
                decision_key,
                {
                    "decisionId": decision.id,
                    "decisionName": decision_name,
                    "version": version,
                    "decisionKey": decision_key,
                    "decisionRequirementsId": drg.id,
                    "decisionRequirementsKey": drg_key,
                    "tenantId": tenant_id,
                },
            )
            deployed_decisions.append(
                DeployedDecision(
                    decision.id, decision_name, version, decision_key, drg.id, drg_key, tenant_id
                )
            )

    deployed_forms: list[DeployedForm] = []
    for resource, form in forms:
        digest = checksum(form.content)
        latest_form = state.latest_form(form.form_id, tenant_id)
        if latest_form is not None and latest_form.checksum == digest:
            deployed_forms.append(
                DeployedForm(
                    form.form_id,
                    latest_form.version,
                    latest_form.key,
                    latest_form.resource_name,
                    tenant_id,
                )
            )
            continue
        key = writer.new_key()
        version = latest_form.version + 1 if latest_form else 1
        writer.event(
            ValueType.FORM,
            Intent.CREATED,
            key,
            {
                "formId": form.form_id,
                "version": version,
                "formKey": key,
                "resourceName": resource.name,
                "resource": form.content,
                "checksum": digest,
                "tenantId": tenant_id,
            },
        )
        deployed_forms.append(DeployedForm(form.form_id, version, key, resource.name, tenant_id))

    writer.event(
        ValueType.DEPLOYMENT,
        Intent.CREATED,
        deployment_key,
        {
            "resources": [r.name for r in resources],
            "processesMetadata": [
                {
                    "bpmnProcessId": p.bpmn_process_id,
                    "version": p.version,
                    "processDefinitionKey": p.process_definition_key,
                    "resourceName": p.resource_name,
                }
                for p in deployed_processes
            ],
            "formMetadata": [
                {"formId": f.form_id, "version": f.version, "formKey": f.form_key}
                for f in deployed_forms
            ],
            "decisionsMetadata": [
                {"decisionId": d.decision_id, "version": d.version, "decisionKey": d.decision_key}
                for d in deployed_decisions
            ],
            "tenantId": tenant_id,
        },
    )
    return Deployment(
        key=deployment_key,
        processes=tuple(deployed_processes),
        decisions=tuple(deployed_decisions),
        decision_requirements=tuple(deployed_drgs),
        forms=tuple(deployed_forms),
        tenant_id=tenant_id,
    )
