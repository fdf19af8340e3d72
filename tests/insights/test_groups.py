"""Grouping the unmet needs by similarity (assistant/insights/groups.py) on a table of themes: each group holds one
theme, almost every theme is one group, the largest groups come first, twenty at most."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from sklearn.metrics import adjusted_rand_score

from assistant.insights.analysis import Message, vocabulary
from assistant.insights.groups import group

CASES = yaml.safe_load((Path(__file__).parent / "grouping_cases.yaml").read_text(encoding="utf-8"))
STOP = vocabulary()["stop_words"]


def messages(texts):
    start = dt.datetime(2026, 11, 2, 9)
    return [Message(i, f"c{i}", start + dt.timedelta(minutes=i), t, "nlu_fallback", 0.2, None, None, [])
            for i, t in enumerate(texts)]


def test_themes_are_grouped_and_kept_apart():
    texts, theme = [], {}
    for name, phrases in CASES.items():
        for j, text in enumerate(phrases):
            texts.append(text)
            theme[text] = name if name != "alone" else f"alone-{j}"
    found = group(messages(texts), STOP, top=100)
    label = {e_id: n for n, g in enumerate(found) for e_id in g["tous"]}
    assert sorted(label) == list(range(len(texts)))  # every message is in a group
    for g in found:  # a group never mixes two themes
        assert len({theme[texts[i]] for i in g["tous"]}) == 1, [texts[i] for i in g["tous"]]
    whole = [name for name, phrases in CASES.items() if name != "alone"
             and len({label[texts.index(p)] for p in phrases}) == 1]
    assert len(whole) >= len(CASES) - 2, whole  # at most one theme split (« il va pleuvoir » is not « météo »)
    assert adjusted_rand_score([theme[t] for t in texts], [label[i] for i in range(len(texts))]) >= 0.9


def test_the_largest_first_twenty_at_most_with_examples_and_key_words():
    texts = ("piano tulipe volcan girafe zebre kayak whisky biscuit fromage vélo cerf-volant yoga jazz opéra igloo "
             "moustique hibou quartz xylophone ukulele sushi tornade éclipse banjo flamant crypte dauphin wagon "
             "mimosa luxe").split()  # 30 unrelated words
    texts += ["demande de logement social"] * 4 + ["panne de chauffage"] * 2
    found = group(messages(texts), STOP)
    assert len(found) == 20
    assert found[1]["taille"] == 2 and found[1]["titre"] == "panne de chauffage"
    assert found[0]["taille"] == 4 and found[0]["titre"] == "demande de logement social"
    assert "logement" in found[0]["mots_cles"] and len(found[0]["exemples"]) == 4
    assert [g["taille"] for g in found] == sorted((g["taille"] for g in found), reverse=True)


def test_nothing_to_group():
    assert group([], STOP) == []
    one = group(messages(["la piscine ouvre quand ?"]), STOP)
    assert one[0]["taille"] == 1 and one[0]["exemples"][0]["texte"] == "la piscine ouvre quand ?"
