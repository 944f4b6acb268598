"""The OpenAPI document and the interactive docs: public, complete and served without a CDN."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.routes import ROUTES


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_it_serves_the_schema_without_a_token(schema):
    assert schema["info"]["title"] == "Leadline API"
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token, sent as `Authorization: Bearer <token>`.",
    }


def test_it_documents_every_route_with_summary_tag_scope_and_stable_id(schema):
    documented = {
        operation["operationId"]: (path, method, operation) for path, method, operation in operations(schema)
    }

    assert set(documented) == {route.url_name for route in ROUTES}
    for route in ROUTES:
        path, method, operation = documented[route.url_name]
        assert method == route.method.lower()
        # A query string (e.g. a required confirmation) is not part of the documented path.
        route_path = route.path.split("?", 1)[0]
        assert re.sub(r"\{[a-z_]+\}", "{}", path) == "/api/v1" + re.sub(r"\{[a-z_]+\}", "{}", route_path)
        assert operation["summary"] and operation["tags"]
        assert operation["security"] == [{"bearerAuth": [route.scope] if route.scope else []}]
        if route.scope:
            assert route.scope in operation["description"]


def test_it_documents_the_error_shape_on_every_route(schema):
    assert "Error" in schema["components"]["schemas"]
    for _path, _method, operation in operations(schema):
        for status in ("400", "401", "403"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_it_renders_the_docs_from_bundled_files(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert scripts and styles
    assert all(url.startswith("/static/") for url in scripts + styles), scripts + styles
    assert "cdn" not in html.lower()
    for url in scripts + styles:
        assert Client().get(url).status_code == 200, url
