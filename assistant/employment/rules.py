"""The orientation rules of employment support (data/programme/employment/orientation.yaml): each route with its
conditions, what it will do for the person, its order and its source. Ages and durations are not written there:
they are dated parameters with their references (data/programme/employment/parameters.yaml), read through the
shared engine (assistant/parameters.py) as of the day of the question, and named in the rules as `[[path]]`."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from assistant import french, parameters as parameters_module
from assistant.datafiles import cached_yaml
from assistant.employment.structures import KINDS
from assistant.parameters import Parameters

RULES_FILE = Path("employment") / "orientation.yaml"
PARAMETERS_FILE = Path("employment") / "parameters.yaml"

BOOLEAN_FACTS = (
    "registered_job_seeker",
    "rsa",
    "long_term_unemployed",
    "disability_recognised",
    "wants_training",
    "wants_career_change",
    "wants_business_creation",
)
PROFILE_FACTS = ("age",) + BOOLEAN_FACTS
DERIVED_FACTS = ("commune_bud",)  # facts that come from the commune, not from the person
ASKABLE_FACTS = ("commune",) + PROFILE_FACTS
_PARAMETER = re.compile(r"^\[\[([a-z0-9_.]+)\]\]$")


class RulesError(ValueError):
    """The orientation rules file is not valid: the message says where."""


@dataclass(frozen=True)
class Condition:
    fact: Optional[str] = None
    equals: Optional[bool] = None
    min: Optional[int] = None
    max: Optional[int] = None
    any_of: tuple["Condition", ...] = ()
    met_if_unknown: bool = False

    def met(self, facts: Mapping[str, Any]) -> bool:
        if self.any_of:
            return any(c.met(facts) for c in self.any_of)
        value = facts.get(self.fact)
        if value is None:
            return self.met_if_unknown
        if self.equals is not None:
            return value is self.equals
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def age_bounds(self) -> set[int]:
        """The ages where this condition changes value, to probe an unknown age."""
        if self.any_of:
            return set().union(*(c.age_bounds() for c in self.any_of))
        if self.fact != "age":
            return set()
        bounds = set()
        if self.min is not None:
            bounds |= {self.min - 1, self.min}
        if self.max is not None:
            bounds |= {self.max, self.max + 1}
        return bounds


@dataclass(frozen=True)
class Variant:
    id: str
    when: tuple[Condition, ...]
    description: str


@dataclass(frozen=True)
class RouteRule:
    id: str
    order: int
    title: str
    when: tuple[Condition, ...]
    kinds: tuple[str, ...]
    requires_local: bool
    description: str
    variants: tuple[Variant, ...]
    national_contact: Optional[Mapping[str, str]]
    source: str


@dataclass(frozen=True)
class Rules:
    minimum_age: int
    long_term_unemployment_months: int
    ask_order: tuple[str, ...]
    messages: Mapping[str, str]
    routes: tuple[RouteRule, ...]
    reference: str
    updated_at: str

    def age_probes(self) -> list[int]:
        bounds = {self.minimum_age - 1, self.minimum_age}
        for route in self.routes:
            for condition in route.when + tuple(c for v in route.variants for c in v.when):
                bounds |= condition.age_bounds()
        return sorted(b for b in bounds if b >= 0)


_MESSAGES = ("under_minimum_age", "outside_bassin_minier", "commune_unknown", "no_local_structure")


def parse_rules(document: Mapping[str, Any], parameters: Optional[Parameters] = None,
                today: Optional[dt.date] = None) -> Rules:
    """Build the rules from the YAML document, the `[[path]]` values read from the parameters in force on `today`
    (the shipped employment parameters and today's date by default), or raise RulesError naming what is wrong."""
    value = _parameter_reader(parameters, today)
    try:
        routes = tuple(sorted((_route(r, value) for r in document["routes"]), key=lambda r: r.order))
        ask_order = tuple(document["ask_order"])
        messages = {name: _text(document["messages"][name], value) for name in _MESSAGES}
        minimum_age = _number(document["minimum_age"], value, "minimum_age")
        long_term = _number(document["long_term_unemployment_months"], value, "long_term_unemployment_months")
        reference = " ".join(str(document["metadata"]["reference"]).split())
        updated_at = str(document["metadata"]["updated_at"])
    except (KeyError, TypeError) as error:
        raise RulesError(f"orientation rules: missing or malformed entry {error}") from error
    if sorted(ask_order) != sorted(ASKABLE_FACTS):
        raise RulesError(f"orientation rules: ask_order must list exactly {sorted(ASKABLE_FACTS)}")
    ids = [r.id for r in routes]
    if len(set(ids)) != len(ids):
        raise RulesError("orientation rules: two routes have the same id")
    return Rules(minimum_age, long_term, ask_order, messages, routes, reference, updated_at)

def _parameter_reader(parameters: Optional[Parameters], today: Optional[dt.date]) -> Callable[[str], Any]:
    if parameters is None:
        from assistant.settings import PROGRAMME_DIR
        parameters = load_parameters(PROGRAMME_DIR)
    when = today or dt.date.today()

    def value(path: str) -> Any:
        try:
            return parameters[path].at(when).value
        except KeyError:
            raise RulesError(f"orientation rules: no parameter {path!r} in {PARAMETERS_FILE}") from None
        except parameters_module.ParameterNotFound as error:
            raise RulesError(f"orientation rules: {error}") from None

    return value


def _number(raw: Any, value: Callable[[str], Any], where: str) -> int:
    """A number of the rules: `[[path]]` names a parameter (a bare number is still read, for a staff draft)."""
    match = _PARAMETER.match(str(raw).strip()) if isinstance(raw, str) else None
    try:
        return int(value(match[1]) if match else raw)
    except (TypeError, ValueError):
        raise RulesError(f"orientation rules: {where}: expected a number or [[parameter]], got {raw!r}") from None


def _text(raw: Any, value: Callable[[str], Any]) -> str:
    """A French text of the rules, its `[[path]]` written in French (« 16 »)."""
    return french.fill(" ".join(str(raw).split()), lambda kind, path: _words(value(path)))


def _words(value: Any) -> str:
    return french.number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _route(raw: Mapping[str, Any], value: Callable[[str], Any]) -> RouteRule:
    route_id = raw["id"]
    structures = raw.get("structures") or {}
    kinds = tuple(structures.get("kinds") or ())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise RulesError(f"orientation rules: route {route_id}: unknown structure kind(s) {unknown}")
    variants = tuple(
        Variant(str(v["id"]), _conditions(v["when"], route_id, value), _text(v["description"], value))
        for v in raw.get("variants") or ()
    )
    return RouteRule(
        id=route_id,
        order=int(raw["order"]),
        title=raw["title"],
        when=_conditions(raw.get("when") or [], route_id, value),
        kinds=kinds,
        requires_local=bool(structures.get("required", False)),
        description=_text(raw["description"], value),
        variants=variants,
        national_contact=raw.get("national_contact"),
        source=" ".join(str(raw["source"]).split()),
    )


def _conditions(raw: Sequence[Mapping[str, Any]], route_id: str, value: Callable[[str], Any]) -> tuple[Condition, ...]:
    return tuple(_condition(c, route_id, value) for c in raw)


def _condition(raw: Mapping[str, Any], route_id: str, value: Callable[[str], Any]) -> Condition:
    if "any" in raw:
        return Condition(any_of=_conditions(raw["any"], route_id, value))
    fact = raw.get("fact")
    if fact not in PROFILE_FACTS + DERIVED_FACTS:
        raise RulesError(f"orientation rules: route {route_id}: unknown fact {fact!r}")
    met_if_unknown = raw.get("if_unknown", "not_met") == "met"
    if "is" in raw:
        if fact == "age" or not isinstance(raw["is"], bool):
            raise RulesError(f"orientation rules: route {route_id}: 'is' takes true or false, for a yes/no fact")
        return Condition(fact=fact, equals=raw["is"], met_if_unknown=met_if_unknown)
    if fact != "age" or ("min" not in raw and "max" not in raw):
        raise RulesError(f"orientation rules: route {route_id}: condition on {fact!r} needs 'is', or min/max for age")
    where = f"route {route_id}, condition on {fact}"
    bounds = {name: _number(raw[name], value, where) if raw.get(name) is not None else None for name in ("min", "max")}
    return Condition(fact=fact, min=bounds["min"], max=bounds["max"], met_if_unknown=met_if_unknown)


def load_rules(path: Path, today: Optional[dt.date] = None) -> Rules:
    """The rules of this file, with the parameters beside it (employment/parameters.yaml), as of `today`."""
    return parse_rules(cached_yaml(path), parameters_module.load(path.parent / PARAMETERS_FILE.name), today)



def load_parameters(programme_dir: Path) -> Parameters:
    """The employment parameters shipped in programme_dir, re-read when staff edit the file."""
    return parameters_module.load(programme_dir / PARAMETERS_FILE)


def rules_for(programme_dir: Path, today: Optional[dt.date] = None) -> Rules:
    """The rules shipped in programme_dir, as of `today`; both files are read again whenever staff edit them."""
    return parse_rules(cached_yaml(programme_dir / RULES_FILE), load_parameters(programme_dir), today)
