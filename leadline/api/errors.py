"""One error body for every API failure, whoever raised it:

    {"error": {"status": 400, "code": "validation_error", "message": "...", "fields": {"email": ["..."]}}}

Clients can rely on `code` (stable, machine-readable) and show `message` and `fields` to people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from leadline.core.access import PermissionDeniedForRole

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

# Fields named "__all__" by Django validation errors are about the object as a whole.
NON_FIELD = "__all__"


class ApiError(Exception):
    """Raise from a route to answer with this status, code and message."""

    def __init__(
        self, status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})


def field_error(field: str, message: str) -> ApiError:
    """A 400 about one field of the request (an unknown reference, a bad filter value)."""
    return ApiError(400, "validation_error", "Some fields are not valid.", {field: [message]})


def error_body(
    status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, "fields": dict(fields or {})}}


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> JsonResponse:
    response = JsonResponse(error_body(status, code, message, fields), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="leadline"'
    return response


# --- Translating pydantic's error list into fields ------------------------------------------------

_PYDANTIC_MESSAGES = {
    "extra_forbidden": "Unknown field.",
    "missing": "This field is required.",
    "string_type": "Must be text.",
    "int_type": "Must be a whole number.",
    "int_parsing": "Must be a whole number.",
    "bool_type": "Must be true or false.",
    "bool_parsing": "Must be true or false.",
    "dict_type": "Must be an object.",
    "model_type": "Must be an object.",
    "model_attributes_type": "Must be an object.",
    "list_type": "Must be a list.",
}


def _field_name(location: Iterable[Any]) -> str:
    parts = [str(part) for part in location]
    # Ninja nests a JSON body under the view's parameter name (e.g. "payload"); callers never see it.
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts[:1] and parts[0] in {"query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind in {"enum", "literal_error"}:
        expected = context.get("expected")
        return f"Choose one of: {expected}." if expected else "Not one of the allowed values."
    if kind == "greater_than_equal":
        return f"Must be at least {context.get('ge')}."
    if kind == "less_than_equal":
        return f"Must be at most {context.get('le')}."
    if kind == "string_too_long":
        return f"At most {context.get('max_length')} characters."
    if kind in _PYDANTIC_MESSAGES:
        return _PYDANTIC_MESSAGES[kind]
    message = str(error.get("msg") or "Not valid.")
    return message.removeprefix("Value error, ")


def fields_from_pydantic(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        name = _field_name(error.get("loc", ()))
        message = _message(error)
        if message not in fields.setdefault(name, []):
            fields[name].append(message)
    return fields


def fields_from_django(error: DjangoValidationError) -> tuple[str, dict[str, list[str]]]:
    """(message, fields) of a Django ValidationError raised by a service."""
    if hasattr(error, "error_dict"):
        fields = {
            name: [str(message) for message in messages] for name, messages in error.message_dict.items()
        }
    else:
        fields = {NON_FIELD: [str(message) for message in error.messages]}
    general = fields.pop(NON_FIELD, [])
    if general:
        return " ".join(general), fields
    return "Some fields are not valid.", fields


# --- Exception handlers ---------------------------------------------------------------------------


def translate(exc: BaseException) -> ApiError | None:
    """The error answer for an exception raised while handling an API request; None for a bug."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NinjaValidationError):
        fields = fields_from_pydantic(exc.errors)
        if set(fields) == {NON_FIELD}:
            return ApiError(400, "validation_error", "The request body must be a JSON object.")
        return ApiError(400, "validation_error", "Some fields are not valid.", fields)
    if isinstance(exc, DjangoValidationError):
        message, fields = fields_from_django(exc)
        return ApiError(400, "validation_error", message, fields)
    if isinstance(exc, AuthenticationError):
        return ApiError(401, "unauthenticated", "Send a valid API token as 'Authorization: Bearer <token>'.")
    if isinstance(exc, HttpError):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return ApiError(400, "malformed_json", "The request body is not valid JSON.")
        return ApiError(exc.status_code, _code_for_status(exc.status_code), str(exc))
    if isinstance(exc, Http404):
        return ApiError(404, "not_found", "Not found.")
    if isinstance(exc, (PermissionDenied, PermissionDeniedForRole)):
        return ApiError(403, "forbidden", str(exc) or "Your role does not allow this.")
    if isinstance(exc, RequestDataTooBig):
        return ApiError(413, "payload_too_large", "The request body is too large.")
    return None


HANDLED = (
    ApiError,
    NinjaValidationError,
    DjangoValidationError,
    HttpError,  # includes ninja's AuthenticationError and AuthorizationError
    Http404,
    PermissionDenied,
    PermissionDeniedForRole,
    RequestDataTooBig,
    Exception,
)


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers so every failure, expected or not, uses the one error body."""

    def handle(request: HttpRequest, exc: Any) -> HttpResponse:
        error = translate(exc)
        if error is None:
            logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
            error = ApiError(500, "server_error", "Something went wrong. The error was logged.")
        return error_response(error.status, error.code, error.message, error.fields)

    for exception_class in HANDLED:
        api.add_exception_handler(exception_class, handle)


def _code_for_status(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        422: "unprocessable",
        429: "rate_limited",
    }.get(status, "error")


# --- Responses produced outside ninja's operations ------------------------------------------------


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a URL's view so the answers Django or ninja produce outside an operation (405 for a
    method the path does not have, 404 from the API root) use the same error body."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "not_found", "Not found.")
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            error = error_response(405, "method_not_allowed", f"Use one of: {allowed}.")
            error["Allow"] = allowed
            return error
        return response

    return wrapper


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under the API that matches no route."""
    return error_response(404, "not_found", "There is no API endpoint at this address.")
