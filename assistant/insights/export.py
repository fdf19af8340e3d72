"""The messages staff labelled, as Rasa NLU training data (YAML, version 3.1): one block per intent, each text
once. « hors_sujet » is written as the domain's out-of-scope intent. `make retrain FILE=<the exported file>` teaches
the assistant with it (see the README)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

import yaml


class _Literal(str):
    pass


def _literal(dumper: yaml.Dumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def nlu_yaml(rows: Iterable, intent_names: dict, today: dt.date) -> str:
    """rows: (id, text, label). Texts are one line each; a text given two intents is kept once, with the latest."""
    latest: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r.id):
        text = " ".join((row.text or "").split())
        if text:
            latest[text] = intent_names.get(row.label, row.label)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in latest.items():
        by_intent[intent].append(text)
    nlu = [{"intent": intent, "examples": _Literal("".join(f"- {_escape(t)}\n" for t in texts))}
           for intent, texts in sorted(by_intent.items())]
    header = (f"# Messages labelled by staff in the officer console (insights), exported on {today.isoformat()}.\n"
              "# Personal data were masked before they were stored: (courriel), (téléphone), (numéro), (nom).\n"
              "# To teach the assistant: make retrain FILE=<this file> (validates, copies to data/nlu/insights/, trains)\n")
    return header + yaml.dump({"version": "3.1", "nlu": nlu}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                              width=10_000)


def _escape(text: str) -> str:
    """Square and round brackets would be read as entity annotations in Rasa's markdown-like examples."""
    return text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
