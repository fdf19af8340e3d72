"""Request errors in French, one way for every route: pydantic's messages are English, so each error type gets a
French wording from data/programme/api_errors.fr.yaml (`french_error`, the one mapper), and a query parameter the
route does not know is refused rather than silently ignored."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant.bud.texts import Texts
from assistant.datafiles import cached

ERRORS_FILE = "api_errors.fr.yaml"  # under the programme directory
MAX_WHERE = 60  # characters of a field name echoed back
# pydantic v1 error types that map to one message code of api_errors.fr.yaml, with the context they pass on.
_CODES = {
    "value_error.missing": "missing",
    "json_invalid": "not_json",
    "value_error.jsondecode": "not_json",
    "type_error.dict": "not_object",
    "type_error.integer": "integer",
    "type_error.float": "number",
    "type_error.bool": "boolean",
    "value_error.strictbool": "boolean",
    "type_error.str": "text",
    "type_error.none.not_allowed": "text",
    "type_error.list": "list",
    "value_error.str.regex": "format",
    "value_error.any_str.max_length": "too_long",
    "value_error.any_str.min_length": "too_short",
    "value_error.number.not_ge": "not_ge",
    "value_error.number.not_le": "not_le",
    "value_error.number.not_gt": "not_gt",
    "value_error.number.not_lt": "not_lt",
}


def error_texts(programme_dir: Path) -> Texts:
    """The French messages of api_errors.fr.yaml, read again when staff edit the file."""
    return cached(programme_dir / ERRORS_FILE, Texts)


def french_error(error: dict, texts: Texts, accepted: Optional[Sequence[str]] = None,
                 percent_fields: Iterable[str] = (), ranges: Optional[Mapping[str, dict]] = None) -> dict:
    """One pydantic error as {champ, probleme} in French: the one mapper of every route.

    `accepted`: the fields of the body, named for an unknown one; `percent_fields`: fields whose bounds are a
    percentage; `ranges`: the arguments of a route's own codes (« creation_date_range »: {min, max})."""
    location = [str(part) for part in error.get("loc", ())][1:]  # drop "body" or "query"
    where = ".".join(location)[:MAX_WHERE] or "body"
    kind: str = error.get("type", "")
    context: dict = error.get("ctx") or {}
    field = location[-1] if location else ""
    known = texts.data["errors"]
    code, args = _CODES.get(kind, "invalid"), {"limit": context.get("limit_value")}
    if kind == "value_error.extra":
        code, args = ("extra", {"accepted": sorted(accepted)}) if accepted else ("extra_field", {})
    elif code == "not_json":
        where = "body"
    elif code in ("not_ge", "not_le") and field in set(percent_fields):
        code = "percentage"
    elif kind.startswith("value_error.date") or kind.startswith("type_error.date"):
        code = "date"
    elif kind == "type_error.enum":
        code, args = "enum", {"accepted": [str(getattr(v, "value", v)) for v in context.get("enum_values", [])]}
    elif kind in ("value_error", "assertion_error"):
        message = str(error.get("msg") or "")
        if message not in known:  # raised by our own validators, already in French
            return {"champ": "body" if field == "__root__" else where, "probleme": message or texts.get("errors.invalid")}
        code, args = message, dict((ranges or {}).get(message, {}))
        if field == "__root__":
            where = "body"
    if code not in known:
        code = "invalid"
    return {"champ": where, "probleme": texts.render(f"errors.{code}", args)}


def problem(texts: Texts, errors: list[dict], extra: Optional[dict] = None) -> JSONResponse:
    """The 422 of every route: a French `detail`, one French message per field in `erreurs` ({champ, probleme})."""
    content = {"detail": texts.get("errors.invalid_request"), "erreurs": errors, **(extra or {})}
    return JSONResponse(status_code=422, content=content)


def _object(title: str, **properties: dict) -> dict:
    return {"title": title, "type": "object", "required": list(properties), "properties": properties}


# What a 422 looks like, for the OpenAPI document (FastAPI's default describes pydantic's English list in `detail`).
PROBLEM_SCHEMAS = {
    "HTTPValidationError": _object(
        "HTTPValidationError",
        detail={"title": "Detail", "type": "string", "description": "what went wrong, in French"},
        erreurs={"title": "Erreurs", "type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
    ),
    "ValidationError": _object(
        "ValidationError",
        champ={"title": "Champ", "type": "string", "description": "the field (« body »: the request as a whole)"},
        probleme={"title": "Probleme", "type": "string", "description": "what is wrong with it, in French"},
    ),
}


def describe_problems(app: FastAPI) -> None:
    """Make the app's OpenAPI document describe its 422 answers as they are (see `problem`)."""
    generate = app.openapi

    def openapi() -> dict:
        document = generate()
        schemas = document.get("components", {}).get("schemas", {})
        for name, schema in PROBLEM_SCHEMAS.items():
            if name in schemas:
                schemas[name] = schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class Refused(Exception):
    """A change staff asked for that the rules refuse, so nothing changed: a 422 with a French `detail` (`lead`
    then the reasons) and the reasons in `erreurs`."""

    def __init__(self, lead: str, errors: Sequence[str]):
        super().__init__(lead)
        self.lead, self.errors = lead, list(errors)


async def refused(_request: Request, exc: Refused) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": exc.lead + " ; ".join(exc.errors), "erreurs": exc.errors})


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    texts = error_texts(request.app.state.programme.settings.programme_dir)
    return problem(texts, [french_error(error, texts) for error in exc.errors()])


def no_unknown_query_parameters(request: Request) -> None:
    """A dependency of every route: « ?commune=Lens » on a route that takes « q » is an error, not ignored."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {param.alias for param in _all_query_params(dependant)}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise HTTPException(
            status_code=422,
            detail=f"Paramètre inconnu : {', '.join(unknown)[:200]}. Paramètres acceptés : {', '.join(sorted(known)) or 'aucun'}.",
        )


def _all_query_params(dependant) -> list:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params += _all_query_params(sub)
    return params


async def database_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
    """The database is locked, restarting or unreachable: the request changed nothing (its transaction was rolled
    back), and the caller is told to try again. A success answer is only ever sent after the commit."""
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": "5"},
        content={"detail": "La base de données est momentanément indisponible : rien n'a été enregistré. "
                           "Réessayez dans quelques instants."},
    )
