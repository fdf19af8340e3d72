"""The API's naming convention, as a client sees it: every error list is `erreurs` in French, whatever the route,
and the OpenAPI document describes the 422 answers as they are."""
from __future__ import annotations

import pytest

BAD_REQUESTS = {
    "BUD eligibility, unreadable fact": ("post", "/bud/eligibility", {"employees": "beaucoup"}),
    "employment orientation, unknown field": ("post", "/employment/orientation", {"age": 20, "couleur": "bleu"}),
    "commune search, empty query": ("get", "/communes/resolve?q=", None),
    "cité search, query too long": ("get", "/cites/search?q=" + "a" * 500, None),
}


@pytest.mark.parametrize("method, path, body", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_an_unreadable_request_is_a_french_422_with_erreurs_field_by_field(client, method, path, body) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == 422, response.text
    content = response.json()
    assert "errors" not in content
    assert isinstance(content["detail"], str) and content["erreurs"]
    for error in content["erreurs"]:
        assert set(error) == {"champ", "probleme"} and error["probleme"], error


def test_a_refused_change_lists_its_reasons_in_erreurs_on_cites_and_employment(client, staff_headers) -> None:
    cite = client.patch("/cites/cite-agache-fenain/status", json={"statut": "en_reve"}, headers=staff_headers)
    structure = client.patch("/employment/structures/plie-douaisis", json={"communes": ["Nullepart"]},
                             headers=staff_headers)
    for response in (cite, structure):
        assert response.status_code == 422, response.text
        content = response.json()
        assert isinstance(content["detail"], str) and content["erreurs"], content
        assert all(reason in content["detail"] for reason in content["erreurs"])


def test_the_openapi_document_describes_the_422_as_answered(client) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["HTTPValidationError"]["required"] == ["detail", "erreurs"]
    assert set(schemas["ValidationError"]["properties"]) == {"champ", "probleme"}
    eligibility = document["paths"]["/bud/eligibility"]["post"]["responses"]["422"]
    assert eligibility["content"]["application/json"]["schema"]["$ref"].endswith("/HTTPValidationError")
