"""Routing of hand-off requests: every topic × one commune of each ERBM EPCI × a commune outside the basin, the
landlord of a cité, and what the resident is told about a service's contact (only what a source gives)."""
from pathlib import Path

import pytest
import yaml

from assistant.handoff import routing

CASES = yaml.safe_load((Path(__file__).parent / "handoff_routing_cases.yaml").read_text(encoding="utf-8"))
TABLE = [
    (topic, name, *expected)
    for topic, by_commune in CASES["expected"].items()
    for name, expected in by_commune.items()
]


def test_the_table_covers_each_topic_each_erbm_epci_and_outside():
    assert set(CASES["expected"]) == set(routing.TOPICS)
    for by_commune in CASES["expected"].values():
        assert set(by_commune) == set(CASES["communes"])
    assert len(CASES["communes"]) == 9


@pytest.mark.parametrize("topic,commune,service,reason", TABLE)
def test_route_by_topic_and_commune(client, topic, commune, service, reason):
    insee = CASES["communes"][commune]["insee"]
    answer = client.get("/handoff/route", params={"topic": topic, "commune": insee})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["service"]["id"], body["raison"]) == (service, reason)
    assert body["commune"]["insee"] == insee


@pytest.mark.parametrize("cite_id,service,reason", [(k, *v) for k, v in CASES["cites"].items()])
def test_a_cite_goes_to_its_landlord_or_its_epci(client, cite_id, service, reason):
    body = client.get("/handoff/route", params={"topic": "cites", "cite_id": cite_id}).json()
    assert (body["service"]["id"], body["raison"]) == (service, reason)


def test_the_eight_erbm_epci_each_have_a_service(client):
    services = {s["id"]: s for s in client.get("/handoff/services").json()["services"]}
    epci_services = [s for s in services.values() if s["kind"] == "epci"]
    assert len(epci_services) == 8


def test_contacts_are_only_those_of_a_source(client):
    services = client.get("/handoff/services").json()["services"]
    for service in services:
        if service["contact_connu"]:
            assert service["source_contact"], f"{service['id']}: a contact without its source"
    delegation = client.get("/handoff/services/delegation-erbm").json()
    assert delegation["contact"]["adresse"] == "Carreau de Fosse 9/9bis, rue du Tordoir, 62590 Oignies"
    landlord = client.get("/handoff/services/bailleur-maisons-et-cites").json()
    assert landlord["contact_connu"] is False and not any(landlord["contact"].values())


def test_bad_routing_questions_are_refused_in_french(client):
    assert client.get("/handoff/route", params={"topic": "meteo"}).status_code == 422
    unknown = client.get("/handoff/route", params={"topic": "cites", "commune": "99999"})
    assert unknown.status_code == 422 and "INSEE" in unknown.json()["detail"]
    assert client.get("/handoff/route", params={"topic": "cites", "cite_id": "nope"}).status_code == 422
    assert client.get("/handoff/services/nope").status_code == 404


def test_a_routing_file_without_a_default_row_is_refused(tmp_path):
    import shutil

    from assistant.settings import PROGRAMME_DIR

    copy = tmp_path / "programme"
    shutil.copytree(PROGRAMME_DIR, copy)
    lines = (copy / routing.ROUTING_FILE).read_text(encoding="utf-8").splitlines()
    (copy / routing.ROUTING_FILE).write_text("\n".join(l for l in lines if l != "autre,*,delegation-erbm") + "\n", encoding="utf-8")
    with pytest.raises(routing.RoutingError, match="autre,\\*"):
        routing.load(None, copy)


@pytest.mark.parametrize("service_id, with_article, to, of", [
    ("delegation-erbm", "la Délégation interministérielle au renouveau du bassin minier",
     "à la Délégation interministérielle au renouveau du bassin minier",
     "de la Délégation interministérielle au renouveau du bassin minier"),
    ("emploi-plie-douaisis", "le PLIE du Douaisis", "au PLIE du Douaisis", "du PLIE du Douaisis"),
    ("emploi-france-travail-lens", "France Travail Lens", "à France Travail Lens", "de France Travail Lens"),
    ("emploi-axel-lens", "Axel vos services pour l'emploi (Maisons & Cités avec l'Afpa)",
     "à Axel vos services pour l'emploi (Maisons & Cités avec l'Afpa)",
     "d'Axel vos services pour l'emploi (Maisons & Cités avec l'Afpa)"),
    ("epci-246200299", "la CA d'Hénin-Carvin", "à la CA d'Hénin-Carvin", "de la CA d'Hénin-Carvin"),
])
def test_a_service_s_name_comes_with_its_article_for_sentences(client, service_id, with_article, to, of):
    service = client.get(f"/handoff/services/{service_id}").json()
    assert (service["nom_avec_article"], service["a_nom"], service["de_nom"]) == (with_article, to, of)


@pytest.mark.parametrize("text, commune, service, reason", [
    ("je voudrais parler à la mission locale", "62498", "emploi-mission-locale-lens-lievin", "structure"),
    ("un conseiller pole emploi svp", "62498", "emploi-france-travail-lens", "structure"),
    ("je voudrais parler à la mission locale", "59178", "delegation-erbm", "default"),  # none known for Douai
    ("je voudrais parler à quelqu'un pour un emploi", "62498", "emploi-france-travail-lens", "commune"),
])
def test_a_request_naming_a_kind_of_structure_goes_to_that_structure_where_one_covers_the_commune(
        client, text, commune, service, reason):
    route = client.get("/handoff/route", params={"topic": "autre", "commune": commune, "text": text}).json()
    assert (route["service"]["id"], route["raison"], route["topic"]) == (service, reason, "emploi"), route


def test_a_changed_services_file_is_loaded_again_and_keeps_the_officers_of_its_services(tmp_path):
    import shutil

    import sqlalchemy as sa

    from assistant import storage
    from assistant.catalogue import LOADERS
    from assistant.handoff import officers
    from assistant.settings import PROGRAMME_DIR

    copy = tmp_path / "programme"
    shutil.copytree(PROGRAMME_DIR, copy)
    url = f"sqlite:///{tmp_path / 'programme.db'}"
    engine = storage.open_database(url, copy, LOADERS)
    with engine.begin() as conn:
        officers.add(conn, "agent-plie", "Agent Plie", "emploi-plie-douaisis", "mot de passe assez long")
    services_file = copy / routing.SERVICES_FILE
    services_file.write_text(services_file.read_text(encoding="utf-8")
                             .replace("emploi-plie-douaisis,PLIE du Douaisis,le,", "emploi-plie-douaisis,PLIE du Douaisis (Douai),le,")
                             .replace("\nemploi-greta-grand-hainaut,", "\nancien-greta,")  # a service that left
                             , encoding="utf-8")
    engine.dispose()
    engine = storage.open_database(url, copy, LOADERS)
    with engine.connect() as conn:
        names = {row.id: row.nom for row in conn.execute(sa.select(routing.services))}
        assert conn.execute(sa.select(officers.officers).where(officers.officers.c.login == "agent-plie")).first()
    assert names["emploi-plie-douaisis"] == "PLIE du Douaisis (Douai)"  # updated in place
    assert "ancien-greta" in names and "emploi-greta-grand-hainaut" not in names
