"""What one message costs the NLU as it grows: the figures behind the guard's length limits (`rasa_plugins/guards.py`,
`rasa_plugins/settings.py`).

    .venv/bin/python bench/message_size.py [--model models/x.tar.gz] [--sizes 500,2000,8000,16000]

In one process, without a server: loads the model as `rasa run` does, then parses, for each size in increasing
order, a message of French words (a resident's sentence repeated) and a message of « ! » signs (one token each).
Prints the time of the parse and how much the process's peak resident memory grew with it (the peak only grows,
so each line is what that size added over all the smaller ones).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SENTENCE = "mon entreprise de plomberie est a Lievin depuis mars 2021 est ce qu'elle peut avoir le bud "


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _text(kind: str, size: int) -> str:
    if kind == "words":
        return (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    return "!" * size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--sizes", default="500,2000,8000,16000", help="comma-separated sizes in characters")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    from assistant.stack import model_path
    from rasa.core.agent import Agent
    import structlog

    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(args.model or model_path()))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(agent.parse_message("bonjour"))  # the first parse compiles the lookup regexes
    print(f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}; "
          f"peak RSS after load {_peak_mb():.0f} MB")
    print(f"{'message':<10} {'chars':>7} {'tokens':>7} {'parse ms':>9} {'peak RSS +MB':>13}")
    for size in sizes:
        for kind in ("words", "signs"):
            text = _text(kind, size)
            before = _peak_mb()
            started = time.perf_counter()
            loop.run_until_complete(agent.parse_message(text))
            elapsed = time.perf_counter() - started
            tokens = len(re.findall(r"\w+|[^\w\s]", text))  # words and signs, as the guard counts them
            print(f"{kind:<10} {size:>7} {tokens:>7} {1000 * elapsed:>9.0f} {_peak_mb() - before:>13.0f}",
                  flush=True)
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
