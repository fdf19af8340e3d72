"""The trained model loaded without Rasa's one-step training predicts exactly what Rasa's own load predicts.

Each load runs in a process of its own (as the Rasa server would), on the project's trained model, and parses the
benchmark's messages (bench/conversations.py): intents with their confidences, entities and the response
selector's choice must be the same numbers.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PARSE = r"""
import asyncio, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
if sys.argv[3] == "fast":
    from rasa_plugins import fast_model_load
    fast_model_load.install()
from rasa.core.agent import Agent
from conversations import CONVERSATIONS
agent = Agent.load(sys.argv[2])
texts = list(dict.fromkeys(turn.text for conversation in CONVERSATIONS for turn in conversation))
loop = asyncio.new_event_loop()
results = [loop.run_until_complete(agent.parse_message(text)) for text in texts]
print("RESULT " + json.dumps(results, default=str))
"""


def parse_all(model: Path, mode: str) -> list[dict]:
    done = subprocess.run([sys.executable, "-c", PARSE, str(ROOT), str(model), mode], capture_output=True, text=True,
                          timeout=900, env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin",
                                            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "LOG_LEVEL": "WARNING"})
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def essentials(parse: dict) -> dict:
    selector = parse.get("response_selector", {}).get("faq", {}).get("response", {})
    return {"intent": parse["intent"], "ranking": parse["intent_ranking"],
            "entities": [(e["entity"], e["value"], e.get("extractor")) for e in parse["entities"]],
            "faq": (selector.get("intent_response_key"), selector.get("confidence"))}


def test_the_fast_load_predicts_the_same_numbers(trained_model):
    stock = parse_all(trained_model, "stock")
    fast = parse_all(trained_model, "fast")
    assert len(stock) == len(fast) >= 20
    assert [essentials(p) for p in fast] == [essentials(p) for p in stock]
    assert len({p["intent"]["name"] for p in stock}) >= 5  # varied messages: several intents are compared
