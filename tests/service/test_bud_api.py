"""BUD over HTTP: the parameters with their references, the eligibility check, and bad input answered in French."""
from __future__ import annotations

import datetime as dt

import pytest

HARNES_COMPANY = {
    "commune_query": "harnes",
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
    "today": "2026-11-26",
}


def test_parameters_are_listed_with_references_and_current_values(client) -> None:
    response = client.get("/bud/parameters", params={"as_of": "2026-11-26"})
    assert response.status_code == 200
    parameters = {p["path"]: p for p in response.json()["parameters"]}
    end = parameters["creation_window.end"]
    assert end["current"]["value"] == "2026-12-31"
    assert [v["value"] for v in end["values"]] == ["2020-12-31", "2022-12-31", "2023-12-31", "2026-12-31"]
    assert any("2023-1322" in r for v in end["values"] for r in v["reference"])
    assert parameters["non_sedentary.max_outside_turnover_pct"]["current"]["value"] == 15
    assert parameters["activity.not_covered"]["certainty"] == "inference"
    assert all(p["reference"] and p["description"] for p in parameters.values())


def test_parameters_as_of_an_earlier_date_give_the_law_of_that_date(client) -> None:
    response = client.get("/bud/parameters", params={"as_of": "2020-06-01"})
    parameters = {p["path"]: p for p in response.json()["parameters"]}
    assert parameters["creation_window.end"]["current"]["value"] == "2020-12-31"
    assert parameters["de_minimis.ceiling_eur"]["current"]["value"] == 200000


def test_an_eligible_company_found_by_name(client) -> None:
    response = client.post("/bud/eligibility", json=HARNES_COMPANY)
    assert response.status_code == 200
    result = response.json()
    assert result["verdict"] == "eligible"
    assert result["commune"]["insee"] == "62413" and result["commune"]["nom"] == "Harnes"
    assert result["missing"] == []
    assert result["calendar"]["profit"][0]["end"] == "2024-09-30"
    assert result["calendar"]["profit"][0]["text"].startswith("Du 15 octobre 2022 au 30 septembre 2024")
    assert result["estimate"]["status"] == "computed" and result["estimate"]["total_tax_saved_eur"] > 0
    assert "rescrit" in result["disclaimer"]["text"]


def test_an_estimate_without_the_rates_of_its_first_periods_is_not_said_to_be_the_whole(client) -> None:
    whole = client.post("/bud/eligibility", json=HARNES_COMPANY).json()["estimate"]
    assert "en tout" in whole["text"]
    part = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2021-06-15"}).json()["estimate"]
    assert "en tout" not in part["text"] and "sur les seules périodes commencées depuis le 1er janvier 2022" in part["text"], part
    assert part["periods"][0]["tax_saved_eur"] is None and part["total_tax_saved_eur"] > 0


def test_a_commune_by_postal_code(client) -> None:
    response = client.post("/bud/eligibility", json={**HARNES_COMPANY, "commune_query": "62440"})
    assert response.status_code == 200
    assert response.json()["commune"]["nom"] == "Harnes"


def test_without_facts_the_verdict_is_unknown_and_says_what_to_ask_first(client) -> None:
    response = client.post("/bud/eligibility", json={})
    assert response.status_code == 200
    result = response.json()
    assert result["verdict"] == "unknown"
    assert result["missing"][:3] == ["commune", "creation_date", "activity"]
    assert result["calendar"] is None
    assert "Il nous manque" in result["summary"]


def test_not_eligible_names_the_failed_condition(client) -> None:
    response = client.post("/bud/eligibility", json={**HARNES_COMPANY, "origin": "takeover"})
    result = response.json()
    assert result["verdict"] == "not_eligible"
    assert "Création nouvelle" in result["summary"]
    assert "Condition non remplie : Création nouvelle." in result["summary"]  # one condition, said in the singular
    assert result["calendar"] is None and result["estimate"] is None


def test_several_failed_conditions_are_named_in_the_plural(client) -> None:
    result = client.post("/bud/eligibility", json={**HARNES_COMPANY, "origin": "takeover",
                                                   "capital_held_by_companies_pct": 80}).json()
    assert result["verdict"] == "not_eligible"
    assert "Conditions non remplies : " in result["summary"] and "(s)" not in result["summary"]


def test_today_defaults_to_the_current_date(client) -> None:
    body = {k: v for k, v in HARNES_COMPANY.items() if k != "today"}
    result = client.post("/bud/eligibility", json=body).json()
    assert result["today"] == dt.date.today().isoformat()


def test_a_planned_creation_is_told_when_the_window_closes(client) -> None:
    body = {**HARNES_COMPANY, "creation_date": "2026-12-15"}
    result = client.post("/bud/eligibility", json=body).json()
    assert result["planned_creation"] is True
    window = next(c for c in result["criteria"] if c["id"] == "creation_window")
    assert "31 décembre 2026" in window["explanation"]
    assert "31 décembre 2026" in result["summary"]


def _creation_text(result: dict) -> str:
    return next(c for c in result["criteria"] if c["id"] == "creation_window")["explanation"]


def test_a_creation_date_is_said_as_precisely_as_it_was_given(client) -> None:
    """« février 2023 » is no « 1er février 2023 »: the verdict and its calendar never add a day nobody said."""
    by_month = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2023-02"}).json()
    assert by_month["verdict"] == "eligible"
    assert "créée en février 2023," in _creation_text(by_month) and "1er février 2023" not in str(by_month)
    calendar = by_month["calendar"]
    assert calendar["creation_date"] == "2023-02"
    assert calendar["profit"][0]["text"].startswith("Dès la création, en février 2023, et jusqu'au 31 janvier 2025 :")
    assert calendar["profit"][1]["text"].startswith("Du 1er février 2025 au 31 janvier 2026 :")  # the law's own dates
    by_day = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2023-02-01"}).json()
    assert "créée le 1er février 2023," in _creation_text(by_day)
    assert by_day["calendar"]["profit"][0]["text"].startswith("Du 1er février 2023 au 31 janvier 2025 :")
    # the law counts in months: the same periods whatever the day
    assert [p["end"] for p in by_day["calendar"]["profit"]] == [p["end"] for p in calendar["profit"]]


def test_a_year_alone_decides_outside_the_window_and_sets_no_calendar_inside(client) -> None:
    before = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2016"}).json()
    assert before["verdict"] == "not_eligible" and "créée en 2016." in _creation_text(before)
    inside = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2023"}).json()
    assert "créée en 2023," in _creation_text(inside)
    assert inside["calendar"] is None and inside["estimate"] is None  # the month sets the calendar
    planned = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2027-03"}).json()
    assert "Une création en mars 2027 arrive trop tard" in _creation_text(planned)


def test_a_commune_at_the_edge_of_the_zone_sends_the_user_to_the_tax_office(client) -> None:
    result = client.post("/bud/eligibility", json={**HARNES_COMPANY, "commune_query": "Vicq"}).json()
    assert result["verdict"] == "unknown"
    location = next(c for c in result["criteria"] if c["id"] == "location")
    assert "service des impôts" in location["explanation"]


BAD_BODIES = {
    "unknown field": ({"siret": "123"}, "siret", "Champ inconnu"),
    "negative employees": ({"employees": -1}, "employees", "supérieure ou égale à 0"),
    "fractional employees": ({"employees": 4.5}, "employees", "nombre entier"),
    "employees as text": ({"employees": "quatre"}, "employees", "nombre entier"),
    "employees as boolean": ({"employees": True}, "employees", "nombre entier"),
    "negative turnover": ({"turnover_eur": -5}, "turnover_eur", "supérieure ou égale à 0"),
    "percentage over 100": ({"turnover_outside_pct": 100.5}, "turnover_outside_pct", "entre 0 et 100"),
    "capital over 100": ({"capital_held_by_companies_pct": 150}, "capital_held_by_companies_pct", "entre 0 et 100"),
    "absurd creation date": ({"creation_date": "1066-10-14"}, "creation_date", "comprise entre"),
    "creation date in another format": ({"creation_date": "15/10/2022"}, "creation_date", "AAAA-MM-JJ"),
    "impossible date": ({"creation_date": "2022-02-30"}, "creation_date", "AAAA-MM-JJ"),
    "month without its zero": ({"creation_date": "2022-2"}, "creation_date", "AAAA-MM pour un mois"),
    "thirteenth month": ({"creation_date": "2022-13"}, "creation_date", "AAAA-MM pour un mois"),
    "today before the scheme": ({"today": "2017-06-01"}, "today", "comprise entre"),
    "unknown activity": ({"activity": "banking"}, "activity", "Valeurs possibles"),
    "unknown origin": ({"origin": "x" * 10_000}, "origin", "Valeurs possibles"),
    "very long commune name": ({"commune_query": "x" * 10_000}, "commune_query", "trop long"),
    "very long insee": ({"commune_insee": "6" * 10_000}, "commune_insee", "trop long"),
    "malformed insee": ({"commune_insee": "ab-cd"}, "commune_insee", "code INSEE"),
    "blank commune name": ({"commune_query": "   "}, "commune_query", "vide"),
    "yes as text": ({"micro_entreprise": "oui"}, "micro_entreprise", "true ou false"),
    "both commune fields": ({"commune_insee": "62413", "commune_query": "Harnes"}, "body", "pas les deux"),
    "more eligible than employees": ({"employees": 2, "eligible_employees": 3}, "body", "ne peut pas dépasser"),
    "more residents than eligible": ({"eligible_employees": 2, "resident_employees": 3}, "body", "ne peut pas dépasser"),
    "unknown insee": ({"commune_insee": "99999"}, "commune_insee", "Aucune commune"),
    "commune not found": ({"commune_query": "Perpignan"}, "commune_query", "Nous ne trouvons pas"),
    "a list instead of an object": ([1, 2], "body", "objet JSON"),
}


@pytest.mark.parametrize("body, where, words", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_gets_a_clear_french_422(client, body, where: str, words: str) -> None:
    response = client.post("/bud/eligibility", json=body)
    assert response.status_code == 422, response.text
    content = response.json()
    assert content["detail"].startswith("Requête invalide")
    problems = {e["champ"]: e["probleme"] for e in content["erreurs"]}
    assert where in problems, problems
    assert words in problems[where]
    assert len(response.text) < 2_000, "the answer must not echo a huge input"


def test_a_request_that_is_not_json_gets_a_french_422(client) -> None:
    response = client.post("/bud/eligibility", content="pas du json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["erreurs"] == [
        {"champ": "body", "probleme": "Le corps de la requête doit être un objet JSON valide."}
    ]


def test_an_ambiguous_commune_lists_the_candidates(client) -> None:
    response = client.post("/bud/eligibility", json={"commune_query": "Marles"})
    assert response.status_code == 422
    content = response.json()
    assert content["commune_resolution"]["status"] == "ambiguous"
    names = {c["nom"] for c in content["commune_resolution"]["candidates"]}
    assert "Marles-les-Mines" in names
    assert "Plusieurs communes" in content["erreurs"][0]["probleme"]


def test_several_mistakes_are_all_reported(client) -> None:
    response = client.post("/bud/eligibility", json={"employees": -3, "turnover_outside_pct": 200, "colour": "red"})
    assert response.status_code == 422
    assert {e["champ"] for e in response.json()["erreurs"]} == {"employees", "turnover_outside_pct", "colour"}


def test_a_bad_as_of_date_for_the_parameters_is_a_french_422(client) -> None:
    response = client.get("/bud/parameters", params={"as_of": "demain"})
    assert response.status_code == 422
    error = response.json()["erreurs"][0]
    assert error["champ"] == "as_of" and "AAAA-MM-JJ" in error["probleme"]


def test_the_endpoints_are_documented_in_openapi(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/bud/parameters" in paths and "/bud/eligibility" in paths


def test_explanations_use_the_user_s_figures_and_say_what_is_only_our_reading(client) -> None:
    result = client.post("/bud/eligibility", json={**HARNES_COMPANY, "turnover_outside_pct": 15.1}).json()
    outside = next(c for c in result["criteria"] if c["id"] == "non_sedentary")
    assert "15,1 %" in outside["explanation"] and "84,9 %" in outside["explanation"]
    assert outside["details"] == {"reduced": True, "exempt_share_pct": 84.9}
    result = client.post("/bud/eligibility", json={**HARNES_COMPANY, "activity": "liberal"}).json()
    activity = next(c for c in result["criteria"] if c["id"] == "activity")
    assert activity["certainty"] == "inference" and "notre lecture" in activity["explanation"]
    assert result["summary"].startswith("D'après vos réponses et selon notre lecture des textes, votre entreprise "
                                        "ne semble pas")  # the headline too, when every condition failed is ours
    both = client.post("/bud/eligibility", json={**HARNES_COMPANY, "activity": "liberal", "origin": "takeover"}).json()
    assert "ne remplit pas toutes les conditions" in both["summary"]  # a takeover is excluded by the text itself


def test_where_employees_live_is_read_from_the_programme_communes(client) -> None:
    """« 2 habitent à Douai »: residents of a BUD commune, and Douai is not the company's commune."""
    found = client.get("/bud/understand", params={"text": "je pense que 2 d'entre eux habitent à Douai"}).json()
    assert [(f["fact"], f["value"], f["certainty"]) for f in found["facts"]] == [("resident_employees", 2, "unsure")]
    assert found["residence_communes"] == ["59178"]
    outside = client.get("/bud/understand", params={"fact": "resident_employees", "text": "3 vivent à Lille"}).json()
    assert outside["value"] is None  # Lille is not in a BUD zone


@pytest.mark.parametrize("text, insee, stated", [
    ("on fait de la couture sur mesure", "62252", False),  # La Couture, a trade named in passing
    ("on fait de la couture, notre siège est à La Couture", "62252", True),
    ("on a déménagé à Lens le mois dernier", "62498", True),
    ("en fait notre siège est à Douai", "59178", True),
    ("2 habitent à Douai", "59178", False),  # where employees live, not the company
    ("Liévin", "62510", True),  # a short answer is the place itself
    ("c'est toujours le même local, 62300", "62498", True),
    ("nous sommes 3 et 2 habitent à Douai", "59178", False),  # a short message, but Douai is where two live
    # the company there, and its employees too
    ("société de nettoyage créée en 2024 à Liévin, on est 6 dont 4 en CDI qui habitent tous à Liévin", "62510", True),
    ("on est 6 dont 4 en CDI qui habitent tous à Liévin", "62510", False),
    # the company's postal code, apart from where they live (the commune was asked again)
    ("mon atelier au 62800 ouvert en 2023, les 2 salariés habitent aussi à Liévin", "62510", True),
    ("les 2 salariés habitent à Liévin 62800", "62510", False),
    # a list of where employees live goes on after « et »: Béthune is on it, Liévin is the company's
    ("on est basés à Liévin, nos salariés habitent à Lens et Béthune", "62119", False),
    ("on est basés à Liévin, nos salariés habitent à Lens et Béthune", "62510", True),
])
def test_the_service_says_whether_a_commune_named_is_the_company_s_place(client, text, insee, stated) -> None:
    found = client.get("/bud/understand", params={"text": text, "commune_insee": insee}).json()
    assert found["commune_is_company_place"] is stated, found
    assert "commune_is_company_place" not in client.get("/bud/understand", params={"text": text}).json()


@pytest.mark.parametrize("text, insee, head_office", [
    ("notre siège est à Lens, et on a un dépôt à Arras", "62498", True),
    ("notre siège est à Lens, et on a un dépôt à Arras", "62041", False),
    ("l'atelier est à Douai mais le siège social est chez mon comptable à Lille", "59350", True),
    ("l'atelier est à Douai mais le siège social est chez mon comptable à Lille", "59178", False),
    ("on est à Douai", "59178", False),  # the company's place, but no word of the head office
])
def test_the_service_says_which_commune_named_is_the_head_office(client, text, insee, head_office) -> None:
    found = client.get("/bud/understand", params={"text": text, "commune_insee": insee}).json()
    assert found["commune_is_head_office"] is head_office, found


def test_an_unknown_commune_code_is_a_french_error_not_a_reading(client) -> None:
    response = client.get("/bud/understand", params={"text": "on est à Lens", "commune_insee": "99999"})
    assert response.status_code == 422 and response.json()["erreurs"][0]["champ"] == "commune_insee"


def test_all_on_a_lasting_contract_uses_the_head_count_held(client) -> None:
    found = client.get("/bud/understand", params={"text": "ils sont tous en CDI", "employees": 7}).json()["facts"]
    assert [(f["fact"], f["value"]) for f in found] == [("eligible_employees", 7)]
    asked = client.get("/bud/understand", params={"fact": "eligible_employees", "text": "tous", "employees": 7}).json()
    assert asked["value"] == 7 and asked["certainty"] == "sure"
    amount = client.get("/bud/understand", params={"fact": "turnover_eur", "text": "ils sont tous en CDI", "employees": 7})
    assert amount.json()["value"] is None


@pytest.mark.parametrize("fact, text, unknown", [
    ("capital_held_by_companies_pct", "je sais pas du tout", True),
    ("turnover_outside_pct", "aucune idée, c'est variable", True),
    ("origin", "j'en sais rien", True),
    ("creation_date", "chepa", True),  # as typed in a chat
    ("employees", "je sais pas, peut-être 3", False),  # a figure all the same: asked again, not passed
    ("employees", "je ne sais pas, peut-être trois", False),
    ("origin", "je ne pense pas", False),  # a no, said back
    ("employees", "bof", False),  # unreadable, not « I don't know »
    ("employees", "4", False),
])
def test_the_reading_says_when_the_person_does_not_know(client, fact, text, unknown) -> None:
    found = client.get("/bud/understand", params={"fact": fact, "text": text}).json()
    assert found["unknown"] is unknown, found
    if unknown:
        assert found["value"] is None


@pytest.mark.parametrize("text, insee, moves", [
    ("je travaille aussi sur Douai et Lens pour des chantiers", "59178", False),  # where work is done
    ("3 habitent à Wallers et 1 à Douai", "59178", False),  # where one employee lives
    ("des clients à Lens surtout", "62498", False),
    ("on a déménagé à Lens le mois dernier", "62498", True),
    ("notre siège est à Douai en fait", "59178", True),
    ("non, c'est à Lens", "62498", True),
    ("je me suis trompé, c'est Lens", "62498", True),
    ("notre siège social est à Douai", "59178", True),
    ("on a bougé à Lens en 2024", "62498", True),
    ("c'est surtout des chantiers vers Lens", "62498", False),
    ("Liévin", "62510", True),  # a short answer is the place itself
    # after a verdict, a check of another place (it kept the commune held, and said its « non classée » again)
    ("et si on ouvrait plutôt sur Douai l'an prochain ?", "59178", True),
    ("bon et à Liévin au lieu de Harnes ?", "62510", True),
    ("et si je la crée à Lens ?", "62498", True),
    ("je livre à Lens plutôt le matin", "62498", False),
])
def test_once_the_check_holds_a_commune_only_clear_words_move_the_company(client, text, insee, moves) -> None:
    """Mid-check, « à <commune> » is where work is done or people live; the company moves only when the words say
    so (`held_commune_insee`: Harnes, 62413). Without a commune held, « à Lens » is where the company is."""
    params = {"text": text, "commune_insee": insee, "held_commune_insee": "62413"}
    assert client.get("/bud/understand", params=params).json()["commune_is_company_place"] is moves
    if not moves and "habitent" not in text:  # at the start of a check, the same words place the company
        params.pop("held_commune_insee")
        assert client.get("/bud/understand", params=params).json()["commune_is_company_place"] is True


def test_a_name_several_communes_share_is_the_company_s_commune_when_it_is_one_of_them(client) -> None:
    """« 1 habite à Bruay » in the check of a company of Bruay-la-Buissière (62178): that Bruay, a resident of a BUD
    commune. Without the company's commune, or with another one, « Bruay » is not a place the reading can rest on."""
    def residents(held=None):
        params = {"text": "1 seul habite à Bruay", **({"held_commune_insee": held} if held else {})}
        found = client.get("/bud/understand", params=params).json()
        return [f["value"] for f in found["facts"] if f["fact"] == "resident_employees"], found["residence_communes"]

    assert residents("62178") == ([1], ["62178"])
    assert residents() == ([], []) and residents("62498") == ([], [])


def test_the_calendar_says_where_the_profit_exemption_stands_today(client) -> None:
    # « remplit les conditions » for a company created in January 2021 said nothing of its exemption having ended
    over = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2021-01-15"}).json()["calendar"]
    assert over["profit_over"] is True
    assert over["profit_now_text"].startswith("Ces périodes sont passées : depuis le 1er janvier 2026")
    now = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2024-05-10"}).json()["calendar"]
    assert now["profit_over"] is False
    assert now["profit_now_text"] == "À ce jour (26 novembre 2026), votre bénéfice est exonéré à 75 %, jusqu'au 30 avril 2027."
    reduced = client.post("/bud/eligibility", json={**HARNES_COMPANY, "creation_date": "2024-05-10",
                                                    "turnover_outside_pct": 20}).json()["calendar"]
    assert "exonéré à 75 %, soit 60 % compte tenu de votre activité hors zone" in reduced["profit_now_text"]


def test_a_creation_this_month_known_to_the_month_gets_the_deadline(client) -> None:
    # « je vais ouvrir fin décembre », in December 2026: « remplit les conditions » without the 31 December deadline
    body = {**HARNES_COMPANY, "creation_date": "2026-12", "today": "2026-12-07"}
    result = client.post("/bud/eligibility", json=body).json()
    assert result["planned_creation"] is True
    assert "à condition que votre activité commence au plus tard le 31 décembre 2026" in result["summary"]
    earlier = client.post("/bud/eligibility", json={**body, "creation_date": "2026-11"}).json()
    assert earlier["planned_creation"] is False
