"""The forms ask what the programme-data service still needs, from the slot lists of domain.yml."""
from __future__ import annotations

from pathlib import Path

import yaml

from actions import bud_eligibility, employment
from actions.forms import form_facts, next_question
from assistant import bud as service_bud
from assistant import employment as service_employment

ROOT = Path(__file__).resolve().parents[2]


def test_every_fact_the_service_may_need_is_a_slot_of_its_form():
    """The service's `missing` names facts; one that is not in the form's required_slots would never be asked."""
    assert set(service_bud.FACT_ORDER) <= set(bud_eligibility.FACTS)
    assert set(service_employment.BOOLEAN_FACTS) | {"age", "commune"} <= set(employment.FACTS)


def test_a_fact_added_to_a_form_in_the_domain_is_asked_without_a_code_change(tmp_path):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    domain["forms"]["bud_form"]["required_slots"].insert(3, "bud_new_fact")
    changed = tmp_path / "domain.yml"
    changed.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    facts = form_facts("bud_form", "bud_", not_facts=("bud_confirm",), domain_file=changed)
    assert facts[3] == "new_fact" and "confirm" not in facts
    assert next_question(["new_fact", "employees"], facts, "bud_") == "bud_new_fact"


def test_the_next_question_is_the_first_missing_fact_not_filled_nor_skipped():
    facts = ("commune", "age", "rsa", "wants_training")
    assert next_question(["age", "rsa"], facts, "emploi_") == "emploi_age"
    assert next_question(["age", "rsa"], facts, "emploi_", skipped=("age",)) == "emploi_rsa"
    assert next_question(["age", "rsa"], facts, "emploi_", filled=lambda slot: slot == "emploi_age") == "emploi_rsa"
    assert next_question(["not_a_form_fact"], facts, "emploi_") is None
    assert next_question([], facts, "emploi_") is None


def test_every_ask_action_the_domain_lists_is_served():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    names = {next(iter(a)) if isinstance(a, dict) else a for a in domain["actions"]}  # « name: {send_domain} »
    listed = {name for name in names if name.startswith("action_ask_bud_")}
    served = {action().name() for action in bud_eligibility.ASK_ACTIONS} | {bud_eligibility.ActionAskBudConfirm().name()}
    assert listed and listed <= served, listed - served
