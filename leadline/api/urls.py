"""URLs of the REST API, mounted at /api/v1/ under the "api" namespace."""

from django.urls import URLPattern, URLResolver, re_path

from leadline.api.api import api
from leadline.api.errors import json_errors, not_found

app_name = "api"

_patterns, _ninja_app_name, _namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        # 405s and the API root's 404 come from outside ninja's operations; give them the error body.
        _pattern.callback = json_errors(_pattern.callback)

urlpatterns: list[URLPattern | URLResolver] = [
    *_patterns,
    re_path(r"^", not_found, name="not_found"),
]
