"""Camunda 8.8's `POST /v2/deployments`: multipart/form-data with one or more `resources` files
(BPMN, DMN, forms) and an optional `tenantId`. Admins only; every deployment is audited.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.api import DEFAULT_TENANT, Deployment, InvalidArgument, Resource
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.context import RestContext
from engine.http.endpoint import Endpoint
from engine.http.schemas import KEY, TEXT, obj
from engine.limits import MAX_RESOURCE_BYTES, check_resource_size

# A whole procedure (a few diagrams, tables and forms) is far below this.

DEPLOYMENT = obj(
    ["deploymentKey", "deployments"],
    deploymentKey=KEY,
    tenantId=TEXT,
    deployments={
        "type": "array",
        "items": {
            "type": "object",
            "description": "one of processDefinition, decisionDefinition, "
            "decisionRequirements, form",
        },
    },
)


def deployment_json(deployment: Deployment) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for p in deployment.processes:
        items.append(
            {
                "processDefinition": {
                    "processDefinitionId": p.bpmn_process_id,
                    "processDefinitionVersion": p.version,
                    "resourceName": p.resource_name,
                    "tenantId": p.tenant_id,
                    "processDefinitionKey": str(p.process_definition_key),
                }
            }
        )
    for d in deployment.decisions:
        items.append(
            {
                "decisionDefinition": {
                    "decisionDefinitionId": d.decision_id,
                    "version": d.version,
                    "name": d.decision_name,
                    "tenantId": d.tenant_id,
                    "decisionRequirementsId": d.decision_requirements_id,
                    "decisionDefinitionKey": str(d.decision_key),
                    "decisionRequirementsKey": str(d.decision_requirements_key),
                }
            }
        )
    for r in deployment.decision_requirements:
        items.append(
            {
                "decisionRequirements": {
                    "decisionRequirementsId": r.decision_requirements_id,
                    "version": r.version,
                    "decisionRequirementsName": r.decision_requirements_name,
                    "tenantId": r.tenant_id,
                    "resourceName": r.resource_name,
                    "decisionRequirementsKey": str(r.decision_requirements_key),
                }
            }
        )
    for f in deployment.forms:
        items.append(
            {
                "form": {
                    "formId": f.form_id,
                    "version": f.version,
                    "resourceName": f.resource_name,
                    "tenantId": f.tenant_id,
                    "formKey": str(f.form_key),
                }
            }
        )
    return {
        "deploymentKey": str(deployment.key),
        "tenantId": deployment.tenant_id,
        "deployments": items,
    }


def deployment_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def deploy(request: Request) -> Response:
        principal = principal_of(request)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise InvalidArgument(
                "a deployment is multipart/form-data with one or more 'resources' files"
            )
        try:
            form = await request.form(max_files=100, max_fields=10)
        except Exception as error:  # the multipart parser's own errors, e.g. a cut-off body
            raise InvalidArgument(f"unreadable multipart body: {error}") from None
        resources = []
        for index, part in enumerate(form.getlist("resources")):
            if not isinstance(part, UploadFile) or not part.filename:
                raise InvalidArgument(f"resources[{index}] must be a file with a file name")
            content = await part.read(MAX_RESOURCE_BYTES + 1)
            check_resource_size(part.filename, len(content))  # before reading further
            resources.append(Resource(part.filename, content))
        if not resources:
            raise InvalidArgument("no 'resources' file in the deployment")
        tenant = form.get("tenantId") or DEFAULT_TENANT
        if not isinstance(tenant, str):
            raise InvalidArgument("tenantId must be a text field")
        with ctx.audited(
            principal,
            AuditAction.DEPLOYMENT_CREATED,
            lambda done: {"deploymentKey": done.key},
            lambda done: {
                "resources": [r.name for r in resources],
                "deployments": deployment_json(done)["deployments"],
            },
        ):
            deployment = await ctx.service.deploy(resources, tenant)
        result = deployment_json(deployment)
        return JSONResponse(result)

    return [
        Endpoint(
            "POST",
            "/deployments",
            deploy,
            "Deploy BPMN, DMN and form resources",
            "create-deployment",
            obj(
                ["resources"],
                resources={
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "format": "binary"},
                    "description": "UTF-8 files named *.bpmn, *.dmn or *.form (others: 400)",
                },
                tenantId=TEXT,
            ),
            request_media_type="multipart/form-data",
            response_schema=DEPLOYMENT,
            permission="admin",
        )
    ]
