"""Of several communes in a message, the one set aside (« non pas celle de Bruay, Lens ») or corrected (« Denain non
pardon à Douai ») is not looked up (actions/places.py, words in dialogue/parameters.yaml `places`)."""
from __future__ import annotations

from pathlib import Path

import yaml

from actions.places import _not_set_aside
from trackers import make_tracker

RULES = {name: next(iter(rule["values"].values()))["value"] for name, rule in yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "data/programme/dialogue/parameters.yaml").read_text(encoding="utf-8")
)["places"].items()}


def _kept(text: str, *names: str) -> list[str]:
    tracker = make_tracker(text, entities=[("commune", n) for n in names])
    lower = text.lower()
    tracker.latest_message["entities"] = [
        {"entity": "commune", "value": n, "start": lower.index(n.lower()), "end": lower.index(n.lower()) + len(n)}
        for n in names]
    return _not_set_aside(tracker, text, RULES)


def test_a_commune_after_a_denial_is_set_aside():
    assert _kept("non pas celle de Bruay, Lens", "Bruay", "Lens") == ["Lens"]
    assert _kept("je travaille à Harnes et pas à Carvin", "Harnes", "Carvin") == ["Harnes"]
    assert _kept("c'est Lens et non Liévin", "Lens", "Liévin") == ["Lens"]


def test_the_communes_before_a_correction_are_set_aside():
    assert _kept("j'habite à Denain non pardon à Douai", "Denain", "Douai") == ["Douai"]
    assert _kept("Lens, enfin Liévin plutôt", "Lens", "Liévin") == ["Liévin"]


def test_communes_named_side_by_side_all_stay():
    assert _kept("Lens et Liévin sont en zone BUD ?", "Lens", "Liévin") == ["Lens", "Liévin"]
    assert _kept("pas loin de Douai, à Sin-le-Noble", "Douai", "Sin-le-Noble") == ["Douai", "Sin-le-Noble"]
