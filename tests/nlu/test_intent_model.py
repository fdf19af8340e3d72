"""The intent model of rasa_plugins/ (issue 9) on small data of its own: short forms, places read as their type,
calibrated probabilities, and the FAQ answer chosen the way actions/faq.py reads it."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.intent_model import IntentModel, mask_entities, preprocess

DATA = {
    "greet": ["bonjour", "salut", "coucou", "bonsoir", "hello", "bonjour a vous"],
    "thank": ["merci", "merci beaucoup", "je vous remercie", "merci bien", "super merci", "merci pour tout"],
    "inform_place": ["et Lens", "a Douai", "et pour Carvin", "je suis a Harnes", "Avion", "Liévin"],
    "faq/bud_duration": ["le bud dure combien", "combien de temps dure l'exoneration", "duree du bud",
                         "l'exo dure combien d'annees", "pendant combien de temps on est exonere", "duree exo"],
    "faq/bud_deadline": ["le bud c'est jusqu'a quand", "date limite du bud", "le bud se termine quand",
                         "avant quelle date creer", "fin du dispositif bud", "echeance du bud"],
}
COMMUNES = {"Lens", "Douai", "Carvin", "Harnes", "Avion", "Liévin", "Denain"}


def _masked(text: str) -> str:
    entities = [{"start": text.index(c), "end": text.index(c) + len(c), "entity": "commune"}
                for c in COMMUNES if c in text]
    return mask_entities(text, entities, ["commune"])


@pytest.fixture(scope="module")
def model() -> IntentModel:
    texts = [t for ts in DATA.values() for t in ts]
    labels = [label for label, ts in DATA.items() for _ in ts]
    return IntentModel({"vector_weight": 0.0}).fit([_masked(t) for t in texts], labels)


def test_short_forms_are_spelled_out():
    assert preprocess("Bjr, jsuis à Lens, c koi ?") == "bonjour je suis a lens c est quoi"
    assert preprocess("nn mrc") == "non merci"


def test_letters_typed_over_and_over_are_read_once():
    assert preprocess("ouiiii merciii") == "oui merci"
    assert preprocess("NOOON stooop") == "non stop"
    assert preprocess("créée en 2021") == preprocess("creee en 2021") == "cree en num"
    assert preprocess("elle a été créée, bonne année") == "elle a ete cree bonne annee"  # two letters stay


def test_numbers_read_alike_whatever_their_value():
    """A figure quoted in one intent's phrases (« la limite des 300 000 euros ») must not pull a turnover answer
    (« dans les 300 000 ») to that intent."""
    assert preprocess("dans les 300 000 euros") == preprocess("dans les 45 000 euros") == "dans les num num euros"
    assert preprocess("n°12 en 2022") == "n num en num"


def test_places_are_replaced_by_their_type():
    assert preprocess(mask_entities("et Denain ?", [{"start": 3, "end": 9, "entity": "commune"}], ["commune"])) == \
        "et communeplace"
    assert mask_entities("au 62300", [{"start": 3, "end": 8, "entity": "postal_code"}], ["commune"]) == "au 62300"


def test_an_unseen_commune_is_read_as_a_place(model):
    assert model.predict([_masked("et Denain")]) == ["inform_place"]


def test_sms_forms_reach_their_intent(model):
    assert model.predict(["bjr", "mrc"]) == ["greet", "thank"]


def test_probabilities_are_calibrated_and_sum_to_one(model):
    proba = model.predict_proba(["combien de temps dure le bud"])
    assert np.isclose(proba.sum(), 1.0)
    assert model.temperature <= 1.0
    assert proba.max() > 0.4  # above the FallbackClassifier's threshold for a clear question


def test_the_component_sets_intent_and_faq_answer(model):
    from rasa_plugins.lexical_intent import LexicalIntentClassifier

    component = LexicalIntentClassifier({**LexicalIntentClassifier.get_default_config()}, None, None, model,
                                        {"faq/bud_duration": [{"text": "Deux ans puis…"}]})
    message = Message(data={"text": "l'exoneration dure combien de temps"})
    component.process([message])
    intent = message.get("intent")
    assert intent["name"] == "faq"
    assert sum(r["confidence"] for r in message.get("intent_ranking")) == pytest.approx(1.0)
    response = message.get("response_selector")["faq"]["response"]
    assert response["intent_response_key"] == "faq/bud_duration"
    assert response["utter_action"] == "utter_faq/bud_duration" and 0.5 < response["confidence"] <= 1.0
    greeting = Message(data={"text": "coucou"})
    component.process([greeting])
    assert greeting.get("intent")["name"] == "greet"


def test_typed_copies_keep_the_places_and_depend_on_the_text_alone():
    from rasa_plugins.intent_model import augmented, noisy
    text = _masked("Je voudrais créer mon entreprise à Liévin l'année prochaine")
    copies = {noisy(text, seed, rate=1.0) for seed in range(20)}
    assert all("communeplace" in c and c == c.lower() and "é" not in c for c in copies)
    assert len(copies) > 5  # typos differ from seed to seed
    assert noisy(text, 3, rate=1.0) == noisy(text, 3, rate=1.0)
    extra, source = augmented(["où est la délégation", "bonjour", "merci"], ["fold", "noise"], 1, rate=1.0)
    assert "ou est la delegation" in extra and set(source) <= {0, 1, 2}
    # The same phrase gets the same copies in any subset of the data (one cross-validation fold or another).
    assert augmented(["merci", "bonjour"], ["noise"], 1, rate=1.0)[0][1] == \
        augmented(["bonjour"], ["noise"], 1, rate=1.0)[0][0]


def test_augmented_and_prototype_models_still_give_probabilities():
    texts = [t for ts in DATA.values() for t in ts]
    labels = [label for label, ts in DATA.items() for _ in ts]
    rng = np.random.default_rng(0)
    centres = {label: rng.normal(size=8) for label in DATA}
    vectors = np.vstack([centres[label] + 0.1 * rng.normal(size=8) for label in labels]).astype(np.float32)
    model = IntentModel({"augment": ["fold", "noise"], "prototype_weight": 0.3, "calibrate": False}).fit(
        [_masked(t) for t in texts], labels, vectors)
    proba = model.predict_proba(["merci bcp", "combien de temps dure le bud"], vectors[[6, 18]])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert [model.labels[i] for i in proba.argmax(axis=1)] == ["thank", "faq/bud_duration"]
