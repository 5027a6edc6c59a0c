"""The API's OpenAPI schema documents every response field, with a realistic example, and the
docs are served from the package's own assets, without a key and without a CDN.

No published data is needed: the schema and the docs do not read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from tests.api.test_api import serving
from wealthgraph.api import create_app, models

KEY = "a-key-for-the-schema-tests"
# what Swagger UI shows for a field without an example: its type's placeholder
PLACEHOLDERS = ("string", 0, 0.0, "", [], {}, ["string"], [0])


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # nothing is published under this root: the docs and the schema must not need it
    return create_app(tmp_path_factory.mktemp("published"), {KEY})


@pytest.fixture(scope="module")
def schema(app) -> dict:
    return app.openapi()


@pytest.fixture(scope="module")
def http(app) -> Iterator[httpx.Client]:
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def _resolve(schema: dict, node: dict) -> tuple[str | None, dict]:
    ref = node.get("$ref")
    if ref is None:
        return None, node
    name = ref.removeprefix("#/components/schemas/")
    return name, schema["components"]["schemas"][name]


def _models_in(schema: dict, node: dict) -> Iterator[str]:
    """The component schemas ``node`` is, holds a list of, or may be (anyOf with null)."""
    for part in (node, node.get("items") or {}, *node.get("anyOf", ())):
        name, target = _resolve(schema, part)
        if name is not None and target.get("type") == "object":
            yield name
        if part is not node and "items" in part:
            yield from _models_in(schema, part["items"])


def _response_models(schema: dict) -> dict[str, set[str]]:
    """Every object schema a response can hold, nested ones too, with the operations (and
    statuses) where it shows."""
    found: dict[str, set[str]] = {}
    todo: list[tuple[str, str]] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    for name in _models_in(schema, media["schema"]):
                        todo.append((name, f"{method.upper()} {path} {status}"))
    while todo:
        name, where = todo.pop()
        if where in found.setdefault(name, set()):
            continue
        found[name].add(where)
        for spec in schema["components"]["schemas"][name]["properties"].values():
            todo.extend((nested, where) for nested in _models_in(schema, spec))
    return found


def _is_placeholder(example: object) -> bool:
    # False == 0 in Python, but a boolean example is a real one
    return not isinstance(example, bool) and any(
        example == placeholder and type(example) is type(placeholder)
        for placeholder in PLACEHOLDERS
    )


def _problems(schema: dict) -> list[str]:
    problems = []
    for name in sorted(_response_models(schema)):
        properties = schema["components"]["schemas"][name]["properties"]
        assert properties, name
        for field, spec in properties.items():
            where = f"{name}.{field}"
            if not (spec.get("description") or "").strip():
                problems.append(f"{where}: no description")
            if list(_models_in(schema, spec)):
                # Swagger UI builds its example from the nested model's (checked here too)
                continue
            examples = spec.get("examples")
            if not examples:
                problems.append(f"{where}: no example")
            elif any(_is_placeholder(example) for example in examples):
                problems.append(f"{where}: a placeholder example {examples!r}")
    return problems


def test_every_response_field_has_a_description_and_a_realistic_example(schema):
    models = _response_models(schema)
    # the walk reaches the nested models, not only the top-level responses
    assert {"Recommendations", "Wealth", "SocialMap", "Contact", "Hours", "Problem"} <= set(models)
    assert _problems(schema) == []


def _example(schema: dict, node: dict) -> object:
    """The example Swagger UI shows for ``node``: its own, or built from its model's fields."""
    if "examples" in node:
        return node["examples"][0]
    for part in (node, *node.get("anyOf", ())):
        name, target = _resolve(schema, part)
        if name is not None and target.get("type") == "object":
            return {field: _example(schema, spec) for field, spec in target["properties"].items()}
        if part.get("type") == "array":
            return [_example(schema, part["items"])]
    raise AssertionError(f"no example for {node}")


def _responses(schema: dict) -> dict[str, type[BaseModel]]:
    """The model of every documented response, by its schema name."""
    names = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for media in response.get("content", {}).values():
                    names.add(_resolve(schema, media["schema"])[0])
    return {name: getattr(models, name) for name in names}


def test_the_examples_are_valid_answers(schema):
    # an example that does not parse as the model would teach a client the wrong shape
    responses = _responses(schema)
    assert {"Health", "Recommendations", "Wealth", "SocialMap", "PeopleYouMayKnow"} <= set(
        responses
    )
    assert {"Problem", "Invalid"} <= set(responses)
    for name, model in responses.items():
        model.model_validate(_example(schema, {"$ref": f"#/components/schemas/{name}"}))


def test_every_operation_is_summarised_and_every_error_has_an_example(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), (method, path)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    media = response["content"]["application/json"]
                    assert media.get("example"), (method, path, status)


def test_the_customer_routes_document_the_key(schema):
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            needs_key = path.startswith("/customers/")
            assert bool(operation.get("security")) is needs_key, path
            assert ("401" in operation["responses"]) is needs_key, path


def test_the_docs_and_the_schema_need_no_key_and_no_cdn(http):
    docs = http.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", docs.text)
    assets += re.findall(r"""url:\s*["']([^"']+)["']""", docs.text)
    assert assets, docs.text
    # every script, stylesheet, icon and the schema come from this server
    assert [url for url in assets if not url.startswith("/")] == []
    assert "cdn" not in docs.text.lower()
    for url in assets:
        response = http.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 100, url
    assert http.get("/openapi.json").json()["paths"]
    redoc = http.get("/redoc")
    assert redoc.status_code == 200
    assert "fonts.googleapis" not in redoc.text
    for url in re.findall(r"""src\s*=\s*["']([^"']+)["']""", redoc.text):
        assert url.startswith("/") and http.get(url).status_code == 200, url


def test_the_data_still_needs_the_key(http):
    assert http.get("/customers/C0000003/wealth").status_code == 401
    # nothing published: with a key the answer is 503, not data
    with_key = http.get("/customers/C0000003/wealth", headers={"X-API-Key": KEY})
    assert with_key.status_code == 503


def test_the_static_files_serve_only_the_docs_assets(http):
    for path in ("/docs/static/../app.py", "/docs/static/%2e%2e/%2e%2e/app.py", "/docs/static/"):
        assert http.get(path).status_code == 404, path


if __name__ == "__main__":  # pragma: no cover - a count for the report
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        found = create_app(Path(root), {KEY}).openapi()
    print(len(_problems(found)), "problems")
    print("\n".join(_problems(found)))
