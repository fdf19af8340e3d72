"""`rasa data validate` is clean, and the test sets are held out from the training data."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from training_phrases import ROOT, key, story_user_phrases, training_keys

RASA = str(Path(sys.executable).parent / "rasa")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "NO_COLOR": "1"}
WARNING = re.compile(r"UserWarning: (.*)")
UNUSED_UTTERANCE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
UNUSED_INTENT = re.compile(r"The intent '(\w+)' is not used in any story or rule\.")
NO_NLU_DATA = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data\.")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LITERAL_UTTERANCE = re.compile(r"[\"'](utter_\w+)[\"']")
COMPOSED_UTTERANCE = re.compile(r"f[\"'](utter_\w*)\{")  # f"utter_ask_{slot}": a family of responses


def _code(folder: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / folder).rglob("*.py"))


def _code_of(file: str) -> str:
    return (ROOT / file).read_text(encoding="utf-8")


def _accepted(warning: str, actions_code: str, sending_code: str) -> bool:
    """Warnings about things only Python code uses are accepted when that code really uses them.

    - an utterance that no story names but an action dispatches (`response="utter_x"`), or that the message
      guards send themselves (rasa_plugins/guards.py);
    - an intent that no story names but an action reads (the « Oui » / « Non » of a form);
    - an intent with no NLU examples that the channels send as a payload (`/technical_problem`) or trigger as an
      external intent (`trigger_intent`, the live hand-off's `handoff_ended`), named in the channel code.
    Anything else, like a response that nothing uses any more, fails the test.
    """
    if m := UNUSED_UTTERANCE.fullmatch(warning):
        name = m.group(1)
        return name in LITERAL_UTTERANCE.findall(actions_code + _code_of("rasa_plugins/guards.py")) or any(
            name.startswith(prefix) for prefix in COMPOSED_UTTERANCE.findall(actions_code))
    if m := UNUSED_INTENT.fullmatch(warning):
        return re.search(rf"[\"']{m.group(1)}[\"']", actions_code) is not None
    if m := NO_NLU_DATA.fullmatch(warning):
        triggered = "trigger_intent" in sending_code and re.search(rf"[\"']{m.group(1)}[\"']", sending_code)
        return f"/{m.group(1)}" in sending_code or bool(triggered)
    if m := DUPLICATED_INTENTS.fullmatch(warning):
        # Rasa 3.6 adds retrieval intents found in the NLU data to the domain that already declares them.
        return all(name.strip() in RETRIEVAL_INTENTS for name in m.group(1).split(","))
    return False


DUPLICATED_INTENTS = re.compile(r"The following duplicated intents have been found across multiple domain files: (.+)")
RETRIEVAL_INTENTS = {"faq"}  # the ResponseSelector's retrieval_intent in config.yml


def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [RASA, "data", "validate", "--domain", "domain.yml", "--data", "data"],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600,
    )
    output = ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, output[-5000:]
    warnings = [m.group(1).strip() for m in WARNING.finditer(output)]
    actions_code = _code("actions")
    sending_code = actions_code + _code("assistant") + _code("rasa_plugins")
    refused = [w for w in warnings if not _accepted(w, actions_code, sending_code)]
    print("\n".join(["rasa data validate warnings:"] + warnings))
    assert not refused, "warnings of `rasa data validate` that nothing explains:\n" + "\n".join(refused)


def test_every_response_an_action_dispatches_exists():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    code = _code("actions")
    named = set(re.findall(r"response=[\"'](utter_\w+)[\"']", code))
    assert named, "no response found in actions/: the pattern of this test is out of date"
    missing = sorted(named - set(domain["responses"]))
    assert not missing, f"responses dispatched by actions but missing from domain.yml: {missing}"
    families = [p for p in COMPOSED_UTTERANCE.findall(code) if p]
    empty = [p for p in families if not any(r.startswith(p) for r in domain["responses"])]
    assert not empty, f"composed response names with no response in domain.yml: {empty}"


def test_test_stories_are_held_out_from_the_training_data():
    copies = [p for p in story_user_phrases() if key(p) in training_keys()]
    assert not copies, f"test story phrases copied from data/nlu/: {copies}"
