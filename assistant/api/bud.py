"""BUD eligibility over HTTP: the dated parameters with their references, and the eligibility check.

Errors in a request come back as 422 with French messages (from data/programme/bud/explanations.fr.yaml), one
per field, never as a 500.
"""
from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Callable, Coroutine, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, StrictBool, conint, root_validator, validator

from assistant import bud, bud_answers
from assistant.api.communes import resolution_body
from assistant.api.errors import error_texts, french_error, problem
from assistant.api.state import AppState, get_state

CREATION_MIN = dt.date(1900, 1, 1)
CREATION_MAX = dt.date(2100, 12, 31)
TODAY_MIN = dt.date(2018, 1, 1)
TODAY_MAX = dt.date(2100, 12, 31)
MAX_AMOUNT_EUR = 1e13
MAX_EMPLOYEES = 10_000_000

Count = conint(strict=True, ge=0, le=MAX_EMPLOYEES)  # 4.5 or "4" employees is a mistake, not a number to round


class RequestProblem(Exception):
    """A request that parses but cannot be answered (unknown commune, no rule on that date)."""

    def __init__(self, where: str, code: str, extra: Optional[dict] = None, **args: Any):
        super().__init__(code)
        self.where, self.code, self.args_, self.extra = where, code, args, extra or {}


def _texts(request: Request) -> bud.Texts:
    state: AppState = get_state(request)
    return bud.load_texts(state.settings.programme_dir / "bud" / bud.TEXTS_FILE)


def _error_texts(request: Request) -> bud.Texts:
    return error_texts(get_state(request).settings.programme_dir)


def _parameters(state: AppState) -> bud.Parameters:
    return bud.load_parameters(state.settings.programme_dir / "bud" / bud.PARAMETERS_FILE)


class FrenchErrorsRoute(APIRoute):
    """Answers unreadable requests with one French message per field instead of pydantic's English."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                texts = _error_texts(request)
                errors = [_french_error(error, texts) for error in exc.errors()]
                return _problem(texts, errors)
            except RequestProblem as found:
                texts = _error_texts(request)
                error = {"champ": found.where, "probleme": texts.render(f"errors.{found.code}", found.args_)}
                return _problem(texts, [error], found.extra)

        return route


def _problem(texts: bud.Texts, errors: list[dict], extra: Optional[dict] = None) -> JSONResponse:
    return problem(texts, errors, extra)


router = APIRouter(prefix="/bud", tags=["bud"], route_class=FrenchErrorsRoute)


class Activity(str, Enum):
    industrial = "industrial"
    commercial = "commercial"
    craft = "craft"
    liberal = "liberal"
    agricultural = "agricultural"


class Origin(str, Enum):
    new = "new"
    takeover = "takeover"
    transfer = "transfer"
    concentration = "concentration"
    restructuring = "restructuring"
    extension = "extension"
    premises = "premises"  # only premises (or their lease) taken over, not the business: not settled by our sources


class EligibilityRequest(BaseModel):
    """The facts known so far; every field is optional. Give the commune by INSEE code or as the user typed it."""

    commune_insee: Optional[str] = Field(None, max_length=5, description="« 62413 » (Harnes)")
    commune_query: Optional[str] = Field(None, max_length=200, description="« Harnes », « 62440 », « henin beaumont »")
    creation_date: Optional[str] = Field(
        None, description="Start of activity, as precise as it is known: « 2022-10-15 », a month « 2022-10 », a year "
                          "« 2022 »; in the future for a planned creation")
    activity: Optional[Activity] = None
    origin: Optional[Origin] = None
    employees: Optional[Count] = None
    turnover_eur: Optional[float] = Field(None, ge=0, le=MAX_AMOUNT_EUR)
    balance_sheet_eur: Optional[float] = Field(None, ge=0, le=MAX_AMOUNT_EUR)
    capital_held_by_companies_pct: Optional[float] = Field(None, ge=0, le=100)
    eligible_employees: Optional[Count] = Field(None,
                                                description="Employees on a CDI or a CDD of at least 12 months")
    resident_employees: Optional[Count] = Field(None,
                                                description="Of the eligible employees, those living in a BUD")
    turnover_outside_pct: Optional[float] = Field(None, ge=0, le=100)
    micro_entreprise: Optional[StrictBool] = None
    corporate_tax: Optional[StrictBool] = Field(None, description="Subject to corporate tax (IS); false: income tax")
    expected_profit_eur: Optional[float] = Field(None, ge=0, le=MAX_AMOUNT_EUR, description="For the estimate")
    today: Optional[dt.date] = Field(None, description="The law in force on this date; default: today")

    class Config:
        extra = "forbid"
        use_enum_values = True
        schema_extra = {
            "example": {
                "commune_insee": "62413",
                "creation_date": "2022-10-15",
                "activity": "commercial",
                "origin": "new",
                "employees": 4,
                "turnover_eur": 300000,
                "capital_held_by_companies_pct": 0,
                "eligible_employees": 4,
                "resident_employees": 2,
                "turnover_outside_pct": 10,
                "corporate_tax": True,
                "expected_profit_eur": 60000,
            }
        }

    @validator("commune_insee")
    def _insee(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not (len(value) == 5 and value[:2].isalnum() and value[2:].isdigit()):
            raise ValueError("insee")
        return value

    @validator("commune_query")
    def _query(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.strip():
            raise ValueError("empty")
        return value

    @validator("creation_date")
    def _creation_date(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        try:
            day, _ = bud.partial_date(value)
        except ValueError:
            raise ValueError("partial_date")
        if not CREATION_MIN <= day <= CREATION_MAX:
            raise ValueError("creation_date_range")
        return value

    @validator("today")
    def _today(cls, value: Optional[dt.date]) -> Optional[dt.date]:
        if value is not None and not TODAY_MIN <= value <= TODAY_MAX:
            raise ValueError("today_range")
        return value

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict) -> dict:
        if values.get("commune_insee") and values.get("commune_query"):
            raise ValueError("commune_both")
        employees, eligible = values.get("employees"), values.get("eligible_employees")
        resident = values.get("resident_employees")
        if employees is not None and eligible is not None and eligible > employees:
            raise ValueError("eligible_over_employees")
        if eligible is not None and resident is not None and resident > eligible:
            raise ValueError("resident_over_eligible")
        return values


_RANGES = {
    "creation_date_range": {"min": CREATION_MIN, "max": CREATION_MAX},
    "today_range": {"min": TODAY_MIN, "max": TODAY_MAX},
}
_PERCENT_FIELDS = {"capital_held_by_companies_pct", "turnover_outside_pct"}


def _french_error(error: dict, texts: bud.Texts) -> dict:
    return french_error(error, texts, accepted=list(EligibilityRequest.__fields__), percent_fields=_PERCENT_FIELDS,
                        ranges=_RANGES)


@router.get("/parameters", summary="The BUD legal parameters, dated, with their references")
def parameters(
    as_of: Optional[dt.date] = Query(None, description="Give each parameter's value on this date; default: today"),
    state: AppState = Depends(get_state),
) -> dict:
    return _parameters(state).as_dict(as_of or dt.date.today())


@router.get("/creation-year", summary="Must a company created in this year still say the month? (the creation window)")
def creation_year(
    year: int = Query(..., ge=1900, le=2200, description="The year of creation the person gave, without a month"),
    today: Optional[dt.date] = Query(None, description="Under the law in force on this date; default: today"),
    state: AppState = Depends(get_state),
) -> dict:
    """`month_needed` is true inside the years of the creation window (parameters creation_window.start and .end):
    there the month can decide the window and sets the calendar; outside them the year alone decides."""
    parameters = _parameters(state)
    today = today or dt.date.today()
    try:
        needed = bud.month_needed(year, parameters, today)
    except bud.ParameterNotFound:
        raise RequestProblem("today", "no_rule_on_date", date=today)
    return {
        "year": year,
        "month_needed": needed,
        "window": {"start": parameters.value("creation_window.start", today).isoformat(),
                   "end": parameters.value("creation_window.end", today).isoformat()},
        "sources": parameters["creation_window.end"].sources_at(today),
    }


@router.get("/understand", summary="Read fact values from a free-text answer, with negations, contrasts and hedges")
def understand(
    text: str = Query(..., min_length=1, max_length=500, description="« non ce n'est pas une reprise »"),
    fact: Optional[str] = Query(None, description="The fact asked (origin, activity, creation_date, employees, …); "
                                                  "without it, every fact the message states"),
    today: Optional[dt.date] = Query(None, description="Reference date for relative dates; default: today"),
    employees: Optional[int] = Query(None, ge=0, le=1_000_000, description="Head count held already (« tous en CDI »)"),
    eligible_employees: Optional[int] = Query(None, ge=0, le=1_000_000,
                                              description="Employees on a lasting contract held already"),
    commune_insee: Optional[str] = Query(None, max_length=5,
                                         description="Without `fact`: a commune the message names (« 62498 », La "
                                                     "Couture); `commune_is_company_place` says whether the message "
                                                     "puts the company there, `commune_is_head_office` whether its "
                                                     "head office"),
    held_commune_insee: Optional[str] = Query(None, max_length=5,
                                              description="The company's commune the check holds already: another "
                                                          "`commune_insee` is its place only after clear words "
                                                          "(« on a déménagé à Lens »), not a bare « à »; a name "
                                                          "several communes share (« Bruay ») is this one"),
    state: AppState = Depends(get_state),
) -> dict:
    zone_of = _zone_of(state, prefer=held_commune_insee)
    known = {k: v for k, v in (("employees", employees), ("eligible_employees", eligible_employees)) if v is not None}
    if fact is None:
        directory = state.settings.programme_dir
        found = {"facts": bud_answers.understand_message(text, directory, today, zone_of=zone_of, known=known),
                 "residence_communes": bud_answers.residence_communes(text, directory, zone_of),
                 # « je suis un particulier »: no company, nothing to check
                 "no_company": bud_answers.says_no_company(text, directory),
                 # « c'est quoi une activité libérale ? »: a question about a word, no answer
                 "asks_meaning": bud_answers.asks_meaning(text, directory)}
        if commune_insee is not None:
            commune = state.communes.get(commune_insee)
            if commune is None:
                raise RequestProblem("commune_insee", "commune_unknown_insee", insee=commune_insee)
            found["commune_is_company_place"] = bud_answers.states_company_place(  # « 2 habitent à Douai »: no
                text, commune.nom, directory, lived_in=commune.insee in found["residence_communes"],
                moving=held_commune_insee not in (None, commune.insee), postal_codes=commune.codes_postaux)
            # of several communes in the message, the head office's wins (the law asks for the head office there)
            found["commune_is_head_office"] = bud_answers.states_head_office(text, commune.nom, directory)
        return found
    if fact not in bud_answers.facts():
        raise HTTPException(status_code=422, detail=f"fact doit valoir {', '.join(bud_answers.facts())}.")
    return bud_answers.understand(fact, text, state.settings.programme_dir, today, zone_of, known)


def _zone_of(state: AppState, prefer: Optional[str] = None):
    """Whether a place named in an answer (« 2 habitent à Douai ») is one commune of a BUD zone, and its code. A name
    that several communes share is the company's commune (`prefer`) when it is one of them (« 1 habite à Bruay » in
    a check of a company of Bruay-la-Buissière)."""
    def zone_of(place: str) -> Optional[tuple[bool, str]]:
        resolution = state.communes.resolve(place)
        if resolution.match == "fuzzy":
            return None
        held = [c for c in resolution.communes if c.insee == prefer]
        if not held and (resolution.status != "found" or len(resolution.communes) != 1):
            return None
        commune = (held or resolution.communes)[0]
        if commune.bud_a_verifier:
            return None  # its classification is not checked yet: no sure reading from it
        return commune.bud, commune.insee
    return zone_of


class RestateRequest(BaseModel):
    """Fact values to say back in plain words before they count (a reading that decides a negative verdict)."""

    facts: dict[str, Any] = Field(..., description="« {\"origin\": \"takeover\"} »")
    commune_insee: Optional[str] = Field(None, max_length=5)

    class Config:
        extra = "forbid"


@router.post("/restate", summary="Say fact values back in plain French")
def restate(body: RestateRequest, request: Request, state: AppState = Depends(get_state)) -> dict:
    unknown = sorted(set(body.facts) - set(bud_answers.facts()) - {"commune"})
    if unknown:
        raise HTTPException(status_code=422, detail=f"Faits inconnus : {', '.join(unknown)}.")
    name = None
    if "commune" in body.facts:
        commune = state.communes.get(str(body.facts["commune"]))
        name = commune.as_dict()["nom"] if commune else None
    texts = _texts(request)
    try:
        lines = bud_answers.restate(body.facts, state.settings.programme_dir, name)
    except (KeyError, ValueError, TypeError):
        raise HTTPException(status_code=422, detail="Une valeur ne correspond pas à son fait.")
    return {"lines": lines}


@router.post("/eligibility", summary="Is this company eligible to the BUD exemptions, criterion by criterion?")
def eligibility(body: EligibilityRequest, request: Request, state: AppState = Depends(get_state)) -> dict:
    today = body.today or dt.date.today()
    created, precision = bud.partial_date(body.creation_date) if body.creation_date else (None, "day")
    facts = bud.Facts(
        commune=_commune(body, state),
        creation_date=created,
        creation_precision=precision,
        **body.dict(exclude={"commune_insee", "commune_query", "today", "creation_date"}),
    )
    try:
        verdict = bud.evaluate(facts, _parameters(state), today)
    except bud.ParameterNotFound:
        raise RequestProblem("today", "no_rule_on_date", date=today)
    return bud.render_verdict(verdict, _texts(request))


def _commune(body: EligibilityRequest, state: AppState) -> Optional[bud.CommuneBud]:
    if body.commune_insee:
        commune = state.communes.get(body.commune_insee)
        if commune is None:
            raise RequestProblem("commune_insee", "commune_unknown_insee", insee=body.commune_insee)
        return bud.CommuneBud.from_commune(commune.as_dict())
    if body.commune_query:
        resolution = state.communes.resolve(body.commune_query)
        if resolution.status == "found":
            return bud.CommuneBud.from_commune(resolution.communes[0].as_dict())
        query = body.commune_query.strip()[:80]
        extra = {"commune_resolution": resolution_body(resolution, query)}
        code = "commune_ambiguous" if resolution.status == "ambiguous" else "commune_not_found"
        raise RequestProblem("commune_query", code, extra, query=query)
    return None
