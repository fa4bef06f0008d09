"""The committed OpenAPI schema (docs/openapi.yaml) is the one the code and the loaded catalogue generate.

It is generated the way ``make schema`` does (``manage.py spectacular --lang zh-hans``), from the
catalogue the suite loads (the lookup parameters' enums are the database's values), so a change to
the API, its serializers or the catalogue's categories, places or units fails here until the file
is regenerated and committed.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def generated_schema(tmp_path) -> str:
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(target), "--lang", "zh-hans", "--validate", "--fail-on-warn")
    return target.read_text(encoding="utf-8")


def test_the_committed_schema_is_up_to_date(catalogue, tmp_path):
    assert SCHEMA_FILE.exists(), "docs/openapi.yaml is missing: run make schema and commit it"
    assert generated_schema(tmp_path) == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "docs/openapi.yaml differs from the schema the API generates: run make schema and commit the file"
    )


def test_every_operation_documents_its_errors_with_one_problem_component():
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    operations = [operation for methods in schema["paths"].values() for operation in methods.values()]
    assert len(operations) == 12
    problem = {"$ref": "#/components/schemas/Problem"}
    for operation in operations:
        responses = operation["responses"]
        assert {"200", "400", "404", "429", "503"} <= set(responses), operation["operationId"]
        for status in ("400", "404", "429", "503"):
            assert responses[status]["content"] == {"application/problem+json": {"schema": problem}}
        assert any(parameter["name"] == "lang" for parameter in operation["parameters"])
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status", "detail", "invalid_params"]


def test_query_parameters_have_their_real_types_and_bounds():
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))

    def parameters(path: str) -> dict[str, dict]:
        return {parameter["name"]: parameter["schema"] for parameter in schema["paths"][path]["get"]["parameters"]}

    practices = parameters("/api/practices/")
    assert practices["has_metrics"] == {"type": "boolean"}
    assert practices["page"]["minimum"] == 1 and practices["page"]["type"] == "integer"
    assert (practices["page_size"]["minimum"], practices["page_size"]["maximum"]) == (1, 100)
    assert {"number", "-number", "name", "cities", "relevance"} <= set(practices["sort"]["enum"])
    assert {"1", "7", "rongzi-nanti"} <= set(practices["category"]["enum"])
    assert {"qingdao", "青岛市", "青岛", "taizhou-zhejiang"} <= set(practices["city"]["enum"])
    assert {"zhejiang", "浙江省", "浙江"} <= set(practices["province"]["enum"])
    assert practices["q"]["maxLength"] == 100
    metrics = parameters("/api/metrics/")
    assert metrics["owner"]["enum"] == ["case_report", "practice"]
    assert "money" in metrics["kind"]["enum"] and {"元", "%"} <= set(metrics["unit"]["enum"])
    assert (metrics["practice"]["minimum"], metrics["practice"]["maximum"]) == (1, 999_999)
    assert parameters("/api/practices/{number}/")["number"]["minimum"] == 1
    assert parameters("/api/metrics/{id}/")["id"]["minimum"] == 1


def test_every_path_example_names_a_published_record(client, catalogue):
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    tried = 0
    for path, methods in schema["paths"].items():
        for parameter in methods["get"].get("parameters", []):
            if parameter["in"] == "path" and "example" in parameter:
                url = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
                assert client.get(url).status_code == 200, url
                tried += 1
    assert tried == 5
