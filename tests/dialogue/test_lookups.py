"""The NLU lookup tables are generated from the programme data (`make lookups`, scripts/make_cite_lookups.py):
a changed communes.csv or cites.csv without the regenerated lookup leaves the NLU blind to the new names."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", ["make_lookups", "make_cite_lookups"])
def test_lookup_file_is_what_its_script_generates_from_the_programme_data(script):
    module = _script(script)
    target = module.TARGET
    assert target.read_text(encoding="utf-8") == module.render(), (
        f"{target.relative_to(ROOT)} is stale: run `python scripts/{script}.py` (then retrain)")


def test_a_new_commune_makes_the_commune_lookup_stale(tmp_path, monkeypatch):
    """The check above can fail: a commune added to the data is missing from the current file."""
    module = _script("make_lookups")
    csv_text = (ROOT / "data" / "programme" / "communes.csv").read_text(encoding="utf-8")
    header, first, *_ = csv_text.splitlines()
    columns = header.split(",")
    row = first.split(",")
    row[columns.index("nom")] = "Zzyzx-sur-Escaut"
    data = tmp_path / "data" / "programme"
    data.mkdir(parents=True)
    (data / "communes.csv").write_text(csv_text.rstrip("\n") + "\n" + ",".join(row) + "\n", encoding="utf-8")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    rendered = module.render()
    assert "Zzyzx-sur-Escaut" in rendered
    assert rendered != module.TARGET.read_text(encoding="utf-8")


def test_a_number_alone_is_never_a_cite_name():
    """« Cité n°12 de Lens » may be typed « cité 12 de Lens », but a cité called « n°2 » must not make « 2 » (the
    answer to « combien ? » in the BUD check) a cité: it sent that answer to a question about cités."""
    module = _script("make_cite_lookups")
    assert module.spellings("n°2") == {"n°2"}
    assert "Cité 12 de Lens" in module.spellings("Cité n°12 de Lens")
    assert not [n for n in module.names() if n.strip().isdigit()]


@pytest.mark.parametrize("typed, read", [
    ("pas lens, loos en gohelle", ["lens", "loos en gohelle"]),
    ("ma boite est a Bruay-la-Buissière", ["bruay-la-buissière"]),
    ("st amand les eaux c'est classé ?", ["st amand les eaux"]),
])
def test_the_longest_commune_name_is_read_not_the_short_one_it_holds(typed, read):
    """Rasa joins a lookup's names into one alternation, which takes the first name that matches: with the names in
    alphabetical order « Loos-en-Gohelle » was read as « Loos » (and the bot asked « Loos ou Loos-en-Gohelle ? »)."""
    import re

    from rasa.nlu.utils.pattern_utils import extract_patterns
    from rasa.shared.nlu.training_data.loading import load_data

    patterns = extract_patterns(load_data(str(ROOT / "data" / "nlu" / "lookups.yml")), use_regexes=False)
    commune = re.compile(next(p["pattern"] for p in patterns if p["name"] == "commune"), re.IGNORECASE)
    assert [m.group().lower() for m in commune.finditer(typed)] == read
