"""`rasa` with the project's Rasa-process plug-ins installed first, and the NLU warmed up before serving.

    python -m rasa_plugins.serve run --model models/x.tar.gz ...     # the same arguments as `rasa`

`assistant/stack.py` starts the Rasa server this way. Before handing over to Rasa's own command line it installs
`rasa_plugins.action_validation` (the action server's answers checked with a validator built once, same
acceptance) and `rasa_plugins.spacy_once` (one copy of the spaCy model instead of two, without the pipes nothing reads) and
`rasa_plugins.event_types` (event classes looked up by name once) and `rasa_plugins.keep_alive` (the calls to
the action server over kept-alive connections). With `run`, once the model is loaded and before the server accepts connections, it parses a few
messages of different lengths (`ASSISTANT_WARMUP=0` turns this off): the first parse compiles the lookup
regexes and loads lazily built parts, which would otherwise be paid by the first residents after a start.
Nothing of a warm-up message is stored: it is parsed without a tracker.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

logger = logging.getLogger(__name__)

# Messages of growing lengths (in tokens), from the assistant's own kind of words: TensorFlow traces a graph for
# each new input shape it has not seen, until it relaxes the shapes.
WARMUP_MESSAGES = (
    "bonjour",
    "douai bud",
    "la commune de lens est en zone bud ?",
    "j'ai créé mon entreprise à Harnes en octobre 2022, nous sommes quatre salariés",
    "où en est la rénovation de la cité des alouettes à bully les mines, et qui est le bailleur s'il vous plaît ?",
    "je voudrais savoir si ma société de nettoyage créée l'an dernier à Liévin peut bénéficier de l'exonération "
    "du BUD, nous sommes cinq et le chiffre d'affaires est d'environ trois cent mille euros",
)


def warmup_enabled() -> bool:
    return os.environ.get("ASSISTANT_WARMUP", "1") not in ("0", "false", "no")


async def warm_up(agent: Any) -> float:
    """Parse the warm-up messages once (no tracker, nothing stored); the seconds it took."""
    started = time.monotonic()
    for text in WARMUP_MESSAGES:
        await agent.parse_message(text)
    return time.monotonic() - started


def install_warmup() -> None:
    import rasa.core.run

    load = rasa.core.run.load_agent_on_start

    async def load_and_warm_up(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        if agent is not None and agent.is_ready():
            seconds = await warm_up(agent)
            logger.info("NLU warmed up in %.1f s", seconds)
        return agent

    rasa.core.run.load_agent_on_start = load_and_warm_up


def main() -> None:
    from rasa_plugins import action_validation, event_types, keep_alive, spacy_once

    action_validation.install()
    spacy_once.install()
    event_types.install()
    keep_alive.install()
    if len(sys.argv) > 1 and sys.argv[1] == "run" and warmup_enabled():
        install_warmup()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
