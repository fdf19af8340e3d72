"""Request errors in French: pydantic's messages are English, so each error type gets a French wording, and a
query parameter the route does not know is refused rather than silently ignored."""
from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

# pydantic v1 error types → French; {placeholders} come from the error's context.
MESSAGES = {
    "value_error.missing": "ce champ est obligatoire",
    "value_error.any_str.min_length": "au moins {limit_value} caractère(s)",
    "value_error.any_str.max_length": "au plus {limit_value} caractères",
    "value_error.str.regex": "le format n'est pas valide",
    "value_error.number.not_ge": "la valeur doit être au moins {limit_value}",
    "value_error.number.not_gt": "la valeur doit être plus grande que {limit_value}",
    "value_error.number.not_le": "la valeur doit être au plus {limit_value}",
    "value_error.number.not_lt": "la valeur doit être plus petite que {limit_value}",
    "value_error.date": "une date est attendue, au format AAAA-MM-JJ",
    "value_error.extra": "ce champ n'existe pas",
    "value_error.jsondecode": "le corps de la requête n'est pas du JSON valide",
    "type_error.integer": "un nombre entier est attendu",
    "type_error.float": "un nombre est attendu",
    "type_error.bool": "true ou false est attendu",
    "type_error.none.not_allowed": "la valeur ne peut pas être vide",
    "type_error.enum": "valeurs possibles : {enum_values}",
    "type_error.list": "une liste est attendue",
    "type_error.dict": "un objet JSON est attendu",
    "type_error.str": "du texte est attendu",
}
FALLBACK = "la valeur n'est pas valide"


def french(error: dict) -> str:
    if error.get("type") in ("value_error", "assertion_error"):
        return error["msg"]  # raised by our own validators, already in French
    template = MESSAGES.get(error.get("type", ""), FALLBACK)
    context = dict(error.get("ctx") or {})
    if "enum_values" in context:
        context["enum_values"] = ", ".join(str(getattr(v, "value", v)) for v in context["enum_values"])
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return FALLBACK


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"where": ".".join(str(p) for p in error["loc"]), "problem": french(error)} for error in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": "Requête invalide", "errors": errors})


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
