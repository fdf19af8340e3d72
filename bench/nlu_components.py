"""Where the Rasa server's start-up and each message's NLU go: imports, model unpacking, and for each node of the
model's graph (each pipeline component and policy) its load time and its time per message.

    .venv/bin/python bench/nlu_components.py [--model models/x.tar.gz] [--rounds 3]

In one process, without a server: times `import tensorflow`, `import spacy`, `import rasa.core.agent`, then loads
the model as `rasa run` does (`Agent.load`: unpacks the archive, loads every component) with each component's
load timed, then parses the benchmark's messages (bench/conversations.py) `--rounds` times. The first round pays
TensorFlow's tracing of each new input shape (what a warm-up at start avoids); the later rounds are the steady
per-message cost. `--plugins` loads as `rasa_plugins.serve` does. Prints a table: component, load s, first round ms/message, steady ms/message, share of the NLU.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plugins", action="store_true",
                        help="load as rasa_plugins.serve does (fast model load, one spaCy copy)")
    args = parser.parse_args()
    print(f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", flush=True)
    imports = {}
    for name in ("tensorflow", "spacy", "rasa.core.agent"):
        started = time.monotonic()
        __import__(name)
        imports[name] = time.monotonic() - started
    print("imports: " + ", ".join(f"{name} {s:.1f} s" for name, s in imports.items()), flush=True)

    from assistant.stack import model_path
    from conversations import CONVERSATIONS
    from rasa.core.agent import Agent
    from rasa.engine.graph import GraphNode
    import rasa.engine.storage.local_model_storage as storage

    import structlog

    logging.getLogger().setLevel(logging.WARNING)  # quiet: Rasa's debug log prints every parse
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    load_s: dict[str, float] = defaultdict(float)
    call_s: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    original_load, original_call = GraphNode._load_component, GraphNode.__call__

    def timed_load(self, **kwargs):
        started = time.perf_counter()
        try:
            return original_load(self, **kwargs)
        finally:
            load_s[self._node_name] += time.perf_counter() - started
            names[self._node_name] = self._component_class.__name__

    def timed_call(self, *inputs):
        started = time.perf_counter()
        try:
            return original_call(self, *inputs)
        finally:
            call_s[self._node_name] += time.perf_counter() - started
            names.setdefault(self._node_name, self._component_class.__name__)

    GraphNode._load_component, GraphNode.__call__ = timed_load, timed_call
    unpack = storage.LocalModelStorage._extract_archive_to_directory
    unpack_s = [0.0]

    def timed_unpack(*a, **k):
        started = time.perf_counter()
        try:
            return unpack(*a, **k)
        finally:
            unpack_s[0] += time.perf_counter() - started

    storage.LocalModelStorage._extract_archive_to_directory = staticmethod(timed_unpack)

    if args.plugins:
        from rasa_plugins import spacy_once
        spacy_once.install()
    model = str(args.model or model_path())
    started = time.monotonic()
    agent = Agent.load(model)
    total_load = time.monotonic() - started
    loads = dict(load_s)
    print(f"model load: {total_load:.1f} s in all (archive unpacking {unpack_s[0]:.1f} s)", flush=True)

    texts = list(dict.fromkeys(turn.text for conversation in CONVERSATIONS for turn in conversation))
    rounds = []
    loop = asyncio.new_event_loop()
    for _ in range(max(2, args.rounds)):
        call_s.clear()
        started = time.perf_counter()
        for text in texts:
            loop.run_until_complete(agent.parse_message(text))
        rounds.append((time.perf_counter() - started, dict(call_s)))
    first_total, first = rounds[0]
    steady = {k: sum(r[1].get(k, 0.0) for r in rounds[1:]) / (len(rounds) - 1) for k in first}
    steady_total = sum(r[0] for r in rounds[1:]) / (len(rounds) - 1)
    n = len(texts)
    nodes = sorted(set(loads) | set(first), key=lambda k: -steady.get(k, 0.0))
    print(f"{n} different messages, {len(rounds)} rounds; per message: first round {1000 * first_total / n:.1f} ms, "
          f"steady {1000 * steady_total / n:.1f} ms (whole parse)")
    print(f"{'graph node':<48} {'component':<30} {'load s':>7} {'1st ms':>7} {'ms/msg':>7} {'share':>6}")
    nlu_steady = sum(v for k, v in steady.items() if not k.startswith("run_Rule") and k != "nlu_message_converter")
    for node in nodes:
        s = steady.get(node, 0.0)
        print(f"{node[:48]:<48} {names.get(node, '')[:30]:<30} {loads.get(node, 0.0):7.2f} "
              f"{1000 * first.get(node, 0.0) / n:7.1f} {1000 * s / n:7.2f} "
              f"{100 * s / nlu_steady if nlu_steady else 0:5.1f}%")
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
