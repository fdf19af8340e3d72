"""The French NLU on phrases it never saw (tests/nlu/held_out.yaml), through the trained model loaded once."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from assistant.text import normalise

HERE = Path(__file__).parent
TABLE = yaml.safe_load((HERE / "held_out.yaml").read_text(encoding="utf-8"))
INTENT_ACCURACY = 0.85
ENTITY_RECALL = 0.85


@pytest.fixture(scope="module")
def parsed(trained_model) -> dict[str, dict]:
    """Every phrase of the table, parsed once by the trained model."""
    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    try:
        agent = Agent.load(str(trained_model))
        texts = [row["text"] for row in TABLE["must_pass"] + TABLE["phrases"]]
        return {text: loop.run_until_complete(agent.parse_message(text)) for text in texts}
    finally:
        loop.close()


def _entities_found(row: dict, parse: dict) -> list[str]:
    """The expected entities that the model did not extract."""
    missing = []
    for entity, value in (row.get("entities") or {}).items():
        values = {normalise(str(e["value"])) for e in parse["entities"] if e["entity"] == entity}
        if normalise(str(value)) not in values:
            missing.append(f"{entity}={value}")
    return missing


def _describe(parse: dict) -> str:
    entities = ", ".join(f"{e['entity']}={e['value']!r}" for e in parse["entities"])
    return f"{parse['intent']['name']} ({parse['intent']['confidence']:.2f}) [{entities}]"


@pytest.mark.parametrize("row", [
    pytest.param(row, id=row["text"], marks=pytest.mark.xfail(reason=f"BUG: {row['known_bug']}") if row.get("known_bug") else ())
    for row in TABLE["must_pass"]
])
def test_must_pass(parsed, row):
    parse = parsed[row["text"]]
    assert parse["intent"]["name"] == row["intent"], f"{row['text']!r} → {_describe(parse)}"
    assert not _entities_found(row, parse), f"{row['text']!r} → {_describe(parse)}"
    if row.get("gibberish"):
        assert not parse["entities"], f"gibberish read as a place: {_describe(parse)}"


def test_intent_accuracy_and_entity_recall(parsed):
    rows = TABLE["phrases"]
    misses = [row for row in rows if parsed[row["text"]]["intent"]["name"] != row["intent"]]
    with_entities = [row for row in rows if row.get("entities")]
    entity_misses = [row for row in with_entities if _entities_found(row, parsed[row["text"]])]
    accuracy = 1 - len(misses) / len(rows)
    recall = 1 - len(entity_misses) / len(with_entities)
    print(f"\nheld-out intents: {len(rows) - len(misses)}/{len(rows)} = {accuracy:.1%}"
          f" (threshold {INTENT_ACCURACY:.0%})")
    for row in misses:
        print(f"  intent miss: {row['text']!r}: expected {row['intent']}, got {_describe(parsed[row['text']])}")
    print(f"held-out entities: {len(with_entities) - len(entity_misses)}/{len(with_entities)} = {recall:.1%}"
          f" (threshold {ENTITY_RECALL:.0%})")
    for row in entity_misses:
        print(f"  entity miss: {row['text']!r}: missing {_entities_found(row, parsed[row['text']])},"
              f" got {_describe(parsed[row['text']])}")
    assert accuracy >= INTENT_ACCURACY
    assert recall >= ENTITY_RECALL


def test_the_table_is_big_enough():
    assert len(TABLE["must_pass"]) + len(TABLE["phrases"]) >= 60


def test_held_out_phrases_are_not_in_the_training_data():
    import sys

    sys.path.insert(0, str(HERE.parent / "dialogue"))
    from training_phrases import key, training_keys

    known = training_keys()
    copies = [row["text"] for row in TABLE["must_pass"] + TABLE["phrases"] if key(row["text"]) in known]
    assert not copies, f"held-out phrases found in data/nlu/: {copies}"
