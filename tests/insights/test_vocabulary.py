"""The names the insights read (data/insights/insights.fr.yaml) are the assistant's own: a renamed intent,
response, action, form or slot in domain.yml would silently empty a figure, so this fails first."""
from __future__ import annotations

from pathlib import Path

import yaml

from assistant.insights.analysis import vocabulary

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RASA_DEFAULTS = {"nlu_fallback", "session_start", "restart", "action_default_fallback"}


def test_intents_responses_actions_forms_and_slots_exist():
    v = vocabulary()
    intents = set(DOMAIN["intents"]) | RASA_DEFAULTS
    responses, actions = set(DOMAIN["responses"]), {next(iter(a)) if isinstance(a, dict) else a for a in DOMAIN["actions"]} | RASA_DEFAULTS
    forms, slots = set(DOMAIN["forms"]), set(DOMAIN["slots"])
    assert set(v["not_understood"]["intents"] + v["unmet"]["intents"] + v["internal_intents"]
               + v["asked_for_a_person"]) <= intents
    assert set(v["not_understood"]["responses"] + v["unmet"]["responses"]) <= responses
    assert set(v["unknown_places"]) <= responses
    assert set(v["not_understood"]["actions"] + [v["handoff"]["offer_action"], v["bud_check"]["verdict_action"]]) <= actions
    assert {v["bud_check"]["form"], *v["form_topics"]} <= forms
    assert set(v["bud_check"]["questions"]) == set(DOMAIN["forms"]["bud_form"]["required_slots"])
    assert {v["handoff"]["service_slot"], v["handoff"]["created_slot"], *v["commune_slots"]} <= slots


def test_staff_can_label_with_intents_the_domain_has():
    v = vocabulary()
    labels = {v["export_intent_names"].get(name, name) for name in v["intents"]}
    assert labels <= set(DOMAIN["intents"])
    assert "out_of_scope" in labels
