"""The orientation of a person to the help that fits them: `orient(profile, structures, commune, rules)` is a pure
function of the rules (assistant/employment/rules.py) and the structures: the routes that fit, the local
structures for the person's commune or EPCI, and the facts still worth asking (`missing`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from assistant import french
from assistant.communes import Commune, CommuneIndex
from assistant.employment.rules import PROFILE_FACTS, Rules
from assistant.employment.structures import Structure, local_structures


@dataclass(frozen=True)
class Profile:
    """What the person said about their situation; None when not known yet."""

    age: Optional[int] = None
    commune: Optional[str] = None  # INSEE code
    registered_job_seeker: Optional[bool] = None
    rsa: Optional[bool] = None
    long_term_unemployed: Optional[bool] = None  # for a parameter's months or more (rules.py)
    disability_recognised: Optional[bool] = None  # RQTH
    wants_training: Optional[bool] = None
    wants_business_creation: Optional[bool] = None
    wants_career_change: Optional[bool] = None
    unemployment_months: Optional[int] = None  # how long the person has been looking for a job, when said

    def facts(self, commune: Optional[Commune], rules: Optional[Rules] = None) -> dict:
        facts = {name: getattr(self, name) for name in PROFILE_FACTS}
        facts["commune_bud"] = commune.bud if commune is not None else None
        if facts["long_term_unemployed"] is None and self.unemployment_months is not None and rules is not None:
            facts["long_term_unemployed"] = self.unemployment_months >= rules.long_term_unemployment_months
        return facts


@dataclass(frozen=True)
class LocalStructure:
    structure: Structure
    match: str  # commune | epci


@dataclass(frozen=True)
class Route:
    id: str
    order: int
    title: str
    description: str
    variant: Optional[str]
    structures: tuple[LocalStructure, ...]
    national_contact: Optional[Mapping[str, str]]
    no_local_structure: Optional[str]  # said when the data knows no local structure for this route
    source: str
    kind: Optional[str] = None  # the route's own kind of structure (its first); the others are other useful contacts

    def as_dict(self, communes: Optional[CommuneIndex] = None) -> dict:
        return {
            "id": self.id,
            "order": self.order,
            "title": self.title,
            "description": self.description,
            "variant": self.variant,
            "structures": [{**s.structure.as_dict(communes), "match": s.match} for s in self.structures],
            "national_contact": dict(self.national_contact) if self.national_contact else None,
            "no_local_structure": self.no_local_structure,
            "source": self.source,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Orientation:
    routes: tuple[Route, ...]
    missing: tuple[str, ...]
    messages: tuple[str, ...]
    commune: Optional[Commune]
    reference: str
    rules_updated_at: str
    message_ids: tuple[str, ...] = ()  # which message of the rules each of `messages` is (« commune_unknown »)

    @property
    def route_ids(self) -> list[str]:
        return [r.id for r in self.routes]

    def as_dict(self, communes: Optional[CommuneIndex] = None) -> dict:
        commune = None
        if self.commune is not None:
            c = self.commune
            commune = {
                "insee": c.insee,
                "nom": c.nom,
                "epci": {"siren": c.epci_siren, "nom": c.epci_nom},
                "bassin_minier": c.bassin_minier,
            }
        return {
            "commune": commune,
            "routes": [r.as_dict(communes) for r in self.routes],
            "missing": list(self.missing),
            "messages": list(self.messages),
            "message_ids": list(self.message_ids),
            "source": self.reference,
            "rules_updated_at": self.rules_updated_at,
            "rules_updated_at_text": french.date(self.rules_updated_at),  # « 26 novembre 2026 »
        }


_ASSUMED = "assumed"  # a local structure that may exist where the commune is not known yet (probing only)


def _routes(
    rules: Rules, facts: Mapping[str, Any], structures: Sequence[Structure], commune: Optional[Commune], probing: bool
) -> list[Route]:
    age = facts.get("age")
    if age is not None and age < rules.minimum_age:
        return []
    routes = []
    for rule in rules.routes:
        if not all(c.met(facts) for c in rule.when):
            continue
        local = tuple(LocalStructure(s, m) for s, m in local_structures(structures, commune, rule.kinds))
        if rule.requires_local and not local and not (probing and commune is None):
            continue
        variant = next((v for v in rule.variants if all(c.met(facts) for c in v.when)), None)
        no_local = None
        if rule.kinds and not local and not rule.national_contact:
            no_local = rules.messages["no_local_structure"]
        # The national contact only when no local office of the route's own kind is known.
        national = rule.national_contact
        if national and rule.kinds and any(s.structure.kind == rule.kinds[0] for s in local):
            national = None
        routes.append(
            Route(
                id=rule.id,
                order=rule.order,
                title=rule.title,
                description=variant.description if variant else rule.description,
                variant=variant.id if variant else None,
                structures=local,
                national_contact=national,
                no_local_structure=no_local,
                source=rule.source,
                kind=rule.kinds[0] if rule.kinds else None,
            )
        )
    return routes


def _signature(routes: Sequence[Route]) -> tuple:
    return tuple((r.id, r.variant, tuple(s.structure.id for s in r.structures)) for r in routes)


def _missing(rules: Rules, facts: Mapping[str, Any], structures: Sequence[Structure], commune: Optional[Commune]) -> list[str]:
    """The unknown facts whose value would change the routes, their wording or their structures."""
    missing = []
    for fact in rules.ask_order:
        if fact == "commune":
            if commune is None:
                missing.append(fact)
            continue
        if facts.get(fact) is not None:
            continue
        probes = rules.age_probes() if fact == "age" else [True, False]
        answers = {_signature(_routes(rules, {**facts, fact: v}, structures, commune, probing=True)) for v in probes}
        if len(answers) > 1:
            missing.append(fact)
    return missing


def orient(
    profile: Profile, structures: Sequence[Structure], commune: Optional[Commune], rules: Rules
) -> Orientation:
    """The routes that fit the person, in order, with their local structures, and the facts still worth asking.

    Pure: everything it needs is given. `commune` is the person's commune, resolved (None when not known).
    """
    facts = profile.facts(commune, rules)
    routes = _routes(rules, facts, structures, commune, probing=False)
    said: dict[str, str] = {}  # the rules' messages that apply, by id (« commune_unknown »), in order
    age = facts.get("age")
    if age is not None and age < rules.minimum_age:
        said["under_minimum_age"] = rules.messages["under_minimum_age"]
        missing: list[str] = []
    else:
        missing = _missing(rules, facts, structures, commune)
    if commune is None:
        if "commune" in missing:
            said["commune_unknown"] = rules.messages["commune_unknown"]
    elif not commune.bassin_minier:
        said["outside_bassin_minier"] = rules.messages["outside_bassin_minier"].format(commune=commune.nom)
    return Orientation(tuple(routes), tuple(missing), tuple(said.values()), commune, rules.reference,
                       rules.updated_at, tuple(said))
