"""Employment orientation: the table of profiles against the service, and the rules' behaviour as data."""
import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from assistant import employment
from assistant.communes import Commune
from assistant.settings import PROGRAMME_DIR

PROFILES = yaml.safe_load((Path(__file__).parent / "employment_profiles.yaml").read_text(encoding="utf-8"))
RULES = employment.load_rules(PROGRAMME_DIR / employment.RULES_FILE)


def _request(profile: dict) -> dict:
    body = dict(profile)
    if "commune" in profile:
        del body["commune"]
        body["commune_query"] = str(profile["commune"])
    return body


def test_the_table_covers_ages_situations_and_every_erbm_epci(client):
    assert len(PROFILES) >= 28
    ages = [case["profile"].get("age") for case in PROFILES if case["profile"].get("age") is not None]
    assert min(ages) <= 16 and max(ages) >= 60
    for fact in employment.BOOLEAN_FACTS:
        assert any(case["profile"].get(fact) for case in PROFILES), fact
    epcis = set()
    outside = 0
    for case in PROFILES:
        if "commune" in case["profile"] or "commune_insee" in case["profile"]:
            answer = client.post("/employment/orientation", json=_request(case["profile"])).json()
            epcis.add(answer["commune"]["epci"]["siren"])
            outside += not answer["commune"]["bassin_minier"]
    erbm = {
        "246200364", "246200299", "245901160", "200042190", "200044618", "245901152", "200072460", "200044048",
    }
    assert erbm <= epcis
    assert outside >= 2


@pytest.mark.parametrize("case", PROFILES, ids=[case["name"] for case in PROFILES])
def test_profile_is_oriented_as_a_local_adviser_would(client, case):
    response = client.post("/employment/orientation", json=_request(case["profile"]))
    assert response.status_code == 200, response.text
    answer = response.json()
    if "commune" in case["profile"] or "commune_insee" in case["profile"]:
        assert answer["commune"] is not None, f"commune of {case['profile']} not resolved"
        assert answer["commune"]["bassin_minier"] is case.get("bassin_minier", True)
    assert [r["id"] for r in answer["routes"]] == case["routes"]
    expected_structures = case.get("structures", {})
    for route in answer["routes"]:
        assert [s["id"] for s in route["structures"]] == expected_structures.get(route["id"], []), route["id"]
    for route_id, variant in case.get("variants", {}).items():
        assert next(r for r in answer["routes"] if r["id"] == route_id)["variant"] == variant
    if "missing" in case:
        assert answer["missing"] == case["missing"]


def test_a_route_without_a_known_local_structure_never_invents_one(client):
    # Aniche (CC Coeur d'Ostrevent): no Mission locale in the 2019 directory there.
    answer = client.post("/employment/orientation", json={"age": 23, "commune_query": "Aniche"}).json()
    routes = {r["id"]: r for r in answer["routes"]}
    assert routes["mission_locale"]["structures"] == []
    assert routes["mission_locale"]["national_contact"]["site"] == "lannuaire.service-public.fr"
    # France Travail has its national line when no local agency is known
    assert routes["france_travail"]["national_contact"]["telephone"] == "3949"
    assert routes["france_travail"]["no_local_structure"] is None


def test_the_national_contact_is_given_only_where_no_local_office_is_known(client):
    routes = {r["id"]: r for r in client.post("/employment/orientation", json={"age": 40, "commune_query": "Lens"}).json()["routes"]}
    assert [s["id"] for s in routes["france_travail"]["structures"]] == ["france-travail-lens"]
    assert routes["france_travail"]["national_contact"] is None


def test_every_address_and_phone_comes_from_a_dated_source(client):
    structures = client.get("/employment/structures").json()["structures"]
    with (PROGRAMME_DIR / "employment" / "structures_manual.csv").open(encoding="utf-8") as f:
        manual = {row["id"] for row in csv.DictReader(f)}
    for structure in structures:
        assert structure["source"]
        if structure["adresse"] or structure["contact"]:
            assert "annuaire de Service-Public.fr (DILA), extrait de juillet-août 2019 : à vérifier" in structure["source"]
            assert structure["source_date"] == "2019-08"
            assert structure["annuaire_officiel"] == "lannuaire.service-public.fr"
        elif structure["id"] in manual:
            assert structure["horaires"] is None  # no source gives opening hours


def test_outside_the_bassin_minier_the_person_is_told_so_and_gets_national_routes(client):
    answer = client.post("/employment/orientation", json={"age": 45, "commune_query": "Boulogne-sur-Mer"}).json()
    assert any("Boulogne-sur-Mer n'est pas dans le bassin minier" in m for m in answer["messages"])
    assert answer["message_ids"] == ["outside_bassin_minier"]
    # said when those contacts were given already, at the start: no « Voici … » followed by nothing
    assert not any("Voici" in m for m in answer["messages"])
    assert [r["id"] for r in answer["routes"]] == ["france_travail"]
    assert answer["routes"][0]["national_contact"] == {"nom": "France Travail", "telephone": "3949", "site": "francetravail.fr"}


def test_a_commune_typed_wrong_still_gets_national_routes_and_asks_for_the_commune(client):
    answer = client.post("/employment/orientation", json={"age": 30, "commune_query": "Lievim"}).json()
    assert answer["commune"] is None
    assert answer["commune_resolution"]["status"] == "not_found"
    assert "Liévin" in answer["commune_resolution"]["suggestions"]
    assert answer["missing"][0] == "commune"
    assert [r["id"] for r in answer["routes"]] == ["france_travail"]
    assert any("Dites-moi votre commune" in m for m in answer["messages"])
    assert answer["message_ids"] == ["commune_unknown"]  # which message each is, for a client to choose


def test_descriptions_are_plain_french_addressed_to_the_person(client):
    answer = client.post(
        "/employment/orientation",
        json={"age": 20, "commune_query": "Denain", "rsa": True, "disability_recognised": True, "wants_training": True},
    ).json()
    for route in answer["routes"]:
        assert re.search(r"\b(vous|votre|vos)\b", route["description"], re.IGNORECASE), route["id"]
        assert route["source"]
    mission_locale = next(r for r in answer["routes"] if r["id"] == "mission_locale")
    assert "Contrat d'engagement jeune" in mission_locale["description"]


# --- The pure function and its rules -----------------------------------------------------------------------


def _commune(insee="59172", epci="200042190", bassin_minier=True, bud=True) -> Commune:
    return Commune(insee, "Commune", "59", 1000, ("59000",), epci, "EPCI", bassin_minier, bud, None, False, None, None)


PLIE = employment.Structure("plie-x", "PLIE X", "plie", (), ("200042190",), source="s")
ML_COMMUNE = employment.Structure("ml-commune", "ML commune", "mission_locale", ("59172",), (), source="s")
ML_EPCI = employment.Structure("ml-epci", "ML EPCI", "mission_locale", (), ("200042190",), source="s")


def test_local_structures_match_the_commune_before_the_epci():
    found = employment.orient(employment.Profile(age=20), [ML_EPCI, ML_COMMUNE], _commune(), RULES)
    assert [s.structure.id for s in found.routes[0].structures] == ["ml-commune"]
    elsewhere = employment.orient(employment.Profile(age=20), [ML_EPCI, ML_COMMUNE], _commune(insee="59002"), RULES)
    assert [(s.structure.id, s.match) for s in elsewhere.routes[0].structures] == [("ml-epci", "epci")]


def test_the_plie_is_offered_only_where_one_is_known():
    profile = employment.Profile(age=40, rsa=True)
    assert "plie" in employment.orient(profile, [PLIE], _commune(), RULES).route_ids
    assert "plie" not in employment.orient(profile, [PLIE], _commune(epci="245901160"), RULES).route_ids
    assert "plie" not in employment.orient(profile, [], _commune(), RULES).route_ids


def test_rsa_and_long_term_unemployment_are_asked_only_where_they_change_the_answer():
    with_plie = employment.orient(employment.Profile(age=40), [PLIE], _commune(), RULES).missing
    without_plie = employment.orient(employment.Profile(age=40), [], _commune(), RULES).missing
    unknown_commune = employment.orient(employment.Profile(age=40), [PLIE], None, RULES).missing
    assert "rsa" in with_plie and "long_term_unemployed" in with_plie
    assert "rsa" not in without_plie and "long_term_unemployed" not in without_plie
    # before the commune is known, a PLIE may exist: worth asking
    assert list(unknown_commune[:4]) == ["commune", "registered_job_seeker", "rsa", "long_term_unemployed"]


def test_age_is_asked_first_after_the_commune_and_not_once_known():
    assert employment.orient(employment.Profile(), [], _commune(), RULES).missing[0] == "age"
    assert "age" not in employment.orient(employment.Profile(age=40), [], _commune(), RULES).missing


def test_the_mission_locale_age_limits_come_from_the_rules_file():
    document = yaml.safe_load((PROGRAMME_DIR / employment.RULES_FILE).read_text(encoding="utf-8"))
    for route in document["routes"]:
        if route["id"] == "mission_locale":
            route["when"] = [{"fact": "age", "min": 16, "max": 29}]
    edited = employment.parse_rules(document)
    profile = employment.Profile(age=28)
    assert "mission_locale" not in employment.orient(profile, [], _commune(), RULES).route_ids
    assert "mission_locale" in employment.orient(profile, [], _commune(), edited).route_ids


def _programme_with_parameters(tmp_path, edit) -> Path:
    """A copy of the employment rules and parameters, the parameters edited by `edit(document)`."""
    programme = tmp_path / "programme"
    (programme / "employment").mkdir(parents=True)
    for name in ("orientation.yaml", "parameters.yaml"):
        (programme / "employment" / name).write_text(
            (PROGRAMME_DIR / "employment" / name).read_text(encoding="utf-8"), encoding="utf-8")
    path = programme / employment.PARAMETERS_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return programme


def test_a_new_dated_age_limit_applies_from_its_date_and_is_said(tmp_path):
    """Staff add a dated value (the mission locale up to 29 from 2027): before that date nothing changes; from it
    a 28-year-old is oriented to the mission locale, and the description says the new ages."""
    def edit(document):
        document["mission_locale"]["max_age"]["values"][dt.date(2027, 1, 1)] = {"value": 29}

    programme = _programme_with_parameters(tmp_path, edit)
    profile = employment.Profile(age=28)
    before = employment.rules_for(programme, dt.date(2026, 12, 1))
    after = employment.rules_for(programme, dt.date(2027, 1, 1))
    assert "mission_locale" not in employment.orient(profile, [], _commune(), before).route_ids
    routes = employment.orient(profile, [], _commune(), after).routes
    assert "mission_locale" in [r.id for r in routes]
    assert "de 16 à 29 ans" in next(r for r in routes if r.id == "mission_locale").description


def test_the_minimum_age_and_its_message_follow_the_parameter(tmp_path):
    def edit(document):
        document["structures"]["minimum_age"]["values"][dt.date(2027, 1, 1)] = {"value": 15}

    rules = employment.rules_for(_programme_with_parameters(tmp_path, edit), dt.date(2027, 6, 1))
    assert rules.minimum_age == 15 and "à partir de 15 ans" in rules.messages["under_minimum_age"]
    assert employment.orient(employment.Profile(age=15), [], _commune(), rules).routes


def test_the_orientation_rules_write_no_age_or_duration_themselves():
    """Every number a rule applies is a dated parameter with a reference (parameters.yaml), never typed in
    orientation.yaml — in a condition, in the minimum age or in a text."""
    text = (PROGRAMME_DIR / employment.RULES_FILE).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    for name in ("minimum_age", "long_term_unemployment_months"):
        assert re.fullmatch(r"\[\[[a-z0-9_.]+\]\]", str(document[name])), name
    for name, message in document["messages"].items():
        assert not re.search(r"\b\d+ (?:ans|mois)\b", message), name
    for route in document["routes"]:
        conditions = (route.get("when") or []) + [c for v in route.get("variants") or [] for c in v["when"]]
        conditions += [c for condition in conditions for c in condition.get("any", [])]
        for condition in conditions:
            for bound in ("min", "max"):
                if bound in condition:
                    assert re.fullmatch(r"\[\[[a-z0-9_.]+\]\]", str(condition[bound])), (route["id"], condition)
        for text_ in [route["description"]] + [v["description"] for v in route.get("variants") or []]:
            assert not re.search(r"\b\d+ (?:ans|mois)\b", text_), route["id"]
    parameters = employment.load_parameters(PROGRAMME_DIR)
    for path in ("mission_locale.min_age", "mission_locale.max_age", "structures.minimum_age",
                 "long_term_unemployment.min_months"):
        assert parameters[path].reference and parameters[path].values[0].start <= dt.date(2018, 1, 1)


@pytest.mark.parametrize("months, long_term", [(11, False), (12, True), (30, True)])
def test_how_long_someone_has_looked_for_a_job_decides_long_term_unemployment(months, long_term):
    profile = employment.Profile(age=40, unemployment_months=months)
    assert ("plie" in employment.orient(profile, [PLIE], _commune(), RULES).route_ids) is long_term
    said = employment.Profile(age=40, unemployment_months=3, long_term_unemployed=True)
    assert "plie" in employment.orient(said, [PLIE], _commune(), RULES).route_ids  # what the person said wins


def test_the_api_reads_the_duration_and_serves_the_dated_parameters(client):
    parameters = client.get("/employment/parameters").json()
    by_path = {p["path"]: p for p in parameters["parameters"]}
    assert by_path["long_term_unemployment.min_months"]["current"]["value"] == 12
    assert by_path["mission_locale.max_age"]["reference"]
    assert client.post("/employment/orientation", json={"age": 40, "unemployment_months": -1}).status_code == 422
    answer = client.post("/employment/orientation", json={"age": 40, "unemployment_months": 18}).json()
    assert "long_term_unemployed" not in answer["missing"]


def test_rules_with_an_unknown_fact_are_refused():
    document = yaml.safe_load((PROGRAMME_DIR / employment.RULES_FILE).read_text(encoding="utf-8"))
    document["routes"][0]["when"] = [{"fact": "diploma", "is": True}]
    with pytest.raises(employment.RulesError, match="diploma"):
        employment.parse_rules(document)


@pytest.mark.parametrize(
    "spelling, siren",
    [
        ("CC Coeur d'Ostrevent (CCCO)", "245901152"),
        ("CC Cœur d'Ostrevent", "245901152"),
        ("Communauté de communes Cœur d'Ostrevent", "245901152"),
        ("CCCO", "245901152"),
        ("CA de Lens-Liévin", "246200364"),
        ("Communauté d'agglomération de Lens - Liévin", "246200364"),
        ("CA de Béthune-Bruay Artois Lys Romane", "200072460"),
        ("CA Douaisis Agglo", "200044618"),
        ("200042190", "200042190"),
        ("CA de Nulle Part", None),
        ("999999999", None),
    ],
)
def test_epci_names_are_resolved_as_sources_spell_them(client, spelling, siren):
    state = client.app.state.programme
    assert employment.EpciIndex.from_communes(state.communes).resolve(spelling) == siren
