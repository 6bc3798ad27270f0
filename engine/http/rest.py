"""Every /v2 endpoint backed by the embedded engine's service, in one list for `create_app`."""

from __future__ import annotations

from engine.http.audit import audit_endpoints
from engine.http.context import RestContext
from engine.http.deployments import deployment_endpoints
from engine.http.element_instances import element_instance_endpoints
from engine.http.endpoint import Endpoint
from engine.http.incidents import incident_endpoints
from engine.http.jobs import job_endpoints
from engine.http.messages import message_endpoints
from engine.http.process_definitions import process_definition_endpoints
from engine.http.process_instances import process_instance_endpoints
from engine.http.repair import repair_endpoints
from engine.http.user_tasks import user_task_endpoints
from engine.http.variables import variable_endpoints


def rest_endpoints(ctx: RestContext) -> list[Endpoint]:
    return [
        *user_task_endpoints(ctx),
        *process_instance_endpoints(ctx),
        *repair_endpoints(ctx),
        *process_definition_endpoints(ctx),
        *element_instance_endpoints(ctx),
        *variable_endpoints(ctx),
        *incident_endpoints(ctx),
        *job_endpoints(ctx),
        *deployment_endpoints(ctx),
        *message_endpoints(ctx),
        *audit_endpoints(ctx),
    ]
