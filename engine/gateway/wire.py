"""Translation between the engine's result types and the gateway's protobuf messages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pyzeebe.proto import gateway_pb2 as pb

from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    DecisionEvaluation,
    Deployment,
    EvaluatedDecision,
)
from engine.gateway.topology import PARTITION_ID, ClusterInfo
from engine.gateway.variables import dump_json


def tenant_or_default(tenant_id: str) -> str:
    """proto3 sends "" for an unset tenant; Zeebe treats that as the default tenant."""
    return tenant_id or DEFAULT_TENANT


def tenants_or_default(tenant_ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(tenant_ids) if tenant_ids else (DEFAULT_TENANT,)


def topology(cluster: ClusterInfo) -> Any:
    partition = pb.Partition(
        partitionId=PARTITION_ID,
        role=pb.Partition.PartitionBrokerRole.LEADER,
        health=pb.Partition.PartitionBrokerHealth.HEALTHY,
    )
    broker = pb.BrokerInfo(
        nodeId=0,
        host=cluster.host,
        port=cluster.port,
        partitions=[partition],
        version=cluster.version,
    )
    return pb.TopologyResponse(
        brokers=[broker],
        clusterSize=1,
        partitionsCount=1,
        replicationFactor=1,
        gatewayVersion=cluster.version,
    )


def deployment(result: Deployment) -> Any:
    # Zeebe's gateway order, which clients index into: processes, decisions, decision
    # requirements, forms.
    entries: list[Any] = []
    for process in result.processes:
        entries.append(
            pb.Deployment(
                process=pb.ProcessMetadata(
                    bpmnProcessId=process.bpmn_process_id,
                    version=process.version,
                    processDefinitionKey=process.process_definition_key,
                    resourceName=process.resource_name,
                    tenantId=process.tenant_id,
                )
            )
        )
    for decision in result.decisions:
        entries.append(
            pb.Deployment(
                decision=pb.DecisionMetadata(
                    dmnDecisionId=decision.decision_id,
                    dmnDecisionName=decision.decision_name,
                    version=decision.version,
                    decisionKey=decision.decision_key,
                    dmnDecisionRequirementsId=decision.decision_requirements_id,
                    decisionRequirementsKey=decision.decision_requirements_key,
                    tenantId=decision.tenant_id,
                )
            )
        )
    for drg in result.decision_requirements:
        entries.append(
            pb.Deployment(
                decisionRequirements=pb.DecisionRequirementsMetadata(
                    dmnDecisionRequirementsId=drg.decision_requirements_id,
                    dmnDecisionRequirementsName=drg.decision_requirements_name,
                    version=drg.version,
                    decisionRequirementsKey=drg.decision_requirements_key,
                    resourceName=drg.resource_name,
                    tenantId=drg.tenant_id,
                )
            )
        )
    for form in result.forms:
        entries.append(
            pb.Deployment(
                form=pb.FormMetadata(
                    formId=form.form_id,
                    version=form.version,
                    formKey=form.form_key,
                    resourceName=form.resource_name,
                    tenantId=form.tenant_id,
                )
            )
        )
    return pb.DeployResourceResponse(key=result.key, deployments=entries, tenantId=result.tenant_id)


def activated_job(job: ActivatedJob) -> Any:
    return pb.ActivatedJob(
        key=job.key,
        type=job.type,
        processInstanceKey=job.process_instance_key,
        bpmnProcessId=job.bpmn_process_id,
        processDefinitionVersion=job.process_definition_version,
        processDefinitionKey=job.process_definition_key,
        elementId=job.element_id,
        elementInstanceKey=job.element_instance_key,
        customHeaders=dump_json(dict(job.custom_headers)),
        worker=job.worker,
        retries=job.retries,
        deadline=job.deadline,
        variables=dump_json(job.variables),
        tenantId=job.tenant_id,
    )


def job_batches(jobs: Sequence[ActivatedJob], max_bytes: int) -> Iterator[Any]:
    """ActivateJobsResponse messages, each below the clients' maximum message size.

    Zeebe splits a large activation the same way rather than failing the whole call.
    """
    batch: list[Any] = []
    size = 0
    for job in jobs:
        message = activated_job(job)
        job_size = message.ByteSize() + 16  # field tag and length prefix
        if batch and size + job_size > max_bytes:
            yield pb.ActivateJobsResponse(jobs=batch)
            batch, size = [], 0
        batch.append(message)
        size += job_size
    if batch:
        yield pb.ActivateJobsResponse(jobs=batch)


def _evaluated_inputs(inputs: Sequence[Mapping[str, Any]]) -> list[Any]:
    return [
        pb.EvaluatedDecisionInput(
            inputId=str(item.get("inputId", "")),
            inputName=str(item.get("inputName", "")),
            inputValue=dump_json(item.get("inputValue")),
        )
        for item in inputs
    ]


def _matched_rules(rules: Sequence[Mapping[str, Any]]) -> list[Any]:
    return [
        pb.MatchedDecisionRule(
            ruleId=str(rule.get("ruleId", "")),
            ruleIndex=int(rule.get("ruleIndex", 0)),
            evaluatedOutputs=[
                pb.EvaluatedDecisionOutput(
                    outputId=str(output.get("outputId", "")),
                    outputName=str(output.get("outputName", "")),
                    outputValue=dump_json(output.get("outputValue")),
                )
                for output in rule.get("evaluatedOutputs", ())
            ],
        )
        for rule in rules
    ]


def _evaluated_decision(decision: EvaluatedDecision, tenant_id: str) -> Any:
    return pb.EvaluatedDecision(
        decisionKey=decision.decision_key,
        decisionId=decision.decision_id,
        decisionName=decision.decision_name,
        decisionVersion=decision.decision_version,
        decisionType=decision.decision_type,
        decisionOutput=dump_json(decision.output),
        matchedRules=_matched_rules(decision.matched_rules),
        evaluatedInputs=_evaluated_inputs(decision.evaluated_inputs),
        tenantId=tenant_id,
    )


def decision_evaluation(result: DecisionEvaluation) -> Any:
    return pb.EvaluateDecisionResponse(
        decisionKey=result.decision_key,
        decisionId=result.decision_id,
        decisionName=result.decision_name,
        decisionVersion=result.decision_version,
        decisionRequirementsId=result.decision_requirements_id,
        decisionRequirementsKey=result.decision_requirements_key,
        decisionOutput=dump_json(result.output),
        evaluatedDecisions=[
            _evaluated_decision(decision, result.tenant_id)
            for decision in result.evaluated_decisions
        ],
        failedDecisionId=result.failed_decision_id,
        failureMessage=result.failure_message,
        tenantId=result.tenant_id,
        decisionInstanceKey=result.decision_instance_key,
    )
