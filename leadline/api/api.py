"""The REST API at /api/v1: assembles each room's router, the bearer-token auth, the one error body
and the OpenAPI document (with each route's required scope and its error answers)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from leadline.accounts.api import router as accounts_router
from leadline.activity.api import router as activity_router
from leadline.analytics.api import router as analytics_router
from leadline.analytics.value_api import router as value_router
from leadline.api.auth import TokenAuth
from leadline.api.errors import install_error_handlers
from leadline.automation.api import router as automation_router
from leadline.contacts.api import companies_router, contacts_router, properties_router
from leadline.core.notification_api import router as notifications_router
from leadline.mail.api import router as mail_router
from leadline.mail.campaign_api import router as campaign_router
from leadline.mail.domain_api import router as domain_router
from leadline.mail.personal_api import router as personal_router
from leadline.mail.suppression_api import router as suppression_router
from leadline.sales.api import router as sales_router
from leadline.sales.api_deals import router as deals_router
from leadline.sales.api_meetings import router as meetings_router
from leadline.sales.api_orders import router as orders_router
from leadline.sales.api_tasks import router as tasks_router
from leadline.scoring.api import router as scoring_router
from leadline.segments.api import router as segments_router
from leadline.testimonials.api import router as testimonials_router

SECURITY_SCHEME = "bearerAuth"
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer", "example": 400},
                "code": {
                    "type": "string",
                    "description": "Stable, machine-readable: validation_error, malformed_json, "
                    "invalid_cursor, unauthenticated, forbidden, not_found, method_not_allowed, conflict, "
                    "payload_too_large, idempotency_key_reused.",
                    "example": "validation_error",
                },
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Field name → messages about that field.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
ERROR_DESCRIPTIONS = {
    400: "Bad input: see `fields`.",
    401: "Missing, invalid or revoked token.",
    403: "The token lacks the scope, or the user's role does not allow this.",
    404: "Does not exist, or is not shared with the token's user.",
    409: "Conflicts with the current state.",
    413: "The request body is too large.",
    422: "The Idempotency-Key was used for a different request.",
}

DESCRIPTION = """\
Leadline's REST API. Authenticate with `Authorization: Bearer <token>`; create tokens under
Settings → API tokens or with `leadline token create`. Each route names the scope it needs.

Objects are identified by their public id (a UUID). Lists return `{"items": [...], "next_cursor": ...}`:
pass `next_cursor` back as `cursor` until it is null. Every error has the same shape:
`{"error": {"status", "code", "message", "fields"}}`.
"""


def _scope_of(operation: Operation) -> tuple[bool, str | None]:
    """(uses a token, the scope it needs)."""
    for callback in operation.auth_callbacks:
        if isinstance(callback, TokenAuth):
            return True, callback.scope
    return False, None


class LeadlineOpenAPISchema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        uses_token, scope = _scope_of(operation)
        if not uses_token:
            return super().operation_security(operation)
        self.securitySchemes[SECURITY_SCHEME] = {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token, sent as `Authorization: Bearer <token>`.",
        }
        # OpenAPI 3.1 lets non-OAuth schemes list the roles (here: scopes) a call requires.
        return [{SECURITY_SCHEME: [scope] if scope else []}]

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details: dict[str, Any] = super().operation_details(operation)
        uses_token, scope = _scope_of(operation)
        if scope:
            details["x-required-scope"] = scope
            note = f"Requires the `{scope}` scope."
            details["description"] = (
                f"{details['description']}\n\n{note}" if details.get("description") else note
            )
        statuses = [400]
        if uses_token:
            statuses += [401, 403]
        if "{" in operation.path:
            statuses.append(404)
        if "requestBody" in details:
            statuses.append(413)
        if any(parameter.get("name") == "Idempotency-Key" for parameter in details.get("parameters", [])):
            statuses += [409, 422]
        responses = details.setdefault("responses", {})
        for status in sorted(statuses):
            responses.setdefault(
                status,
                {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            )
        self.schemas.setdefault("Error", ERROR_SCHEMA)
        return details


class LeadlineAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The URL name is stable and short ("contact_upsert"), unlike the module path of the view.
        return getattr(operation, "url_name", None) or super().get_openapi_operation_id(operation)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return LeadlineOpenAPISchema(self, path_prefix)


api = LeadlineAPI(
    title="Leadline API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Served from ninja's bundled files (no CDN); "ninja" is in INSTALLED_APPS for that reason.
    docs=Swagger(settings={"persistAuthorization": True}),
)
install_error_handlers(api)

api.add_router("", accounts_router)
api.add_router("", notifications_router)
api.add_router("", contacts_router)
api.add_router("", companies_router)
api.add_router("", properties_router)
api.add_router("", activity_router)
api.add_router("", sales_router)
api.add_router("", deals_router)
api.add_router("", orders_router)
api.add_router("", tasks_router)
api.add_router("", meetings_router)
api.add_router("", scoring_router)
api.add_router("", segments_router)
api.add_router("", mail_router)
api.add_router("", campaign_router)
api.add_router("", suppression_router)
api.add_router("", personal_router)
api.add_router("", domain_router)
api.add_router("", analytics_router)
api.add_router("", value_router)
api.add_router("", automation_router)
api.add_router("", testimonials_router)
