"""The trained model is reused while its hash is unchanged (`assistant/stack.py`): the hash must change with
everything that shapes the model, including the source of the custom NLU components config.yml names."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from assistant import stack

ROOT = Path(__file__).resolve().parents[2]


def test_every_custom_component_of_the_config_is_a_training_input():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    custom = [entry["name"] for entry in config["pipeline"] + config["policies"] if "." in entry["name"]]
    assert "rasa_plugins.gibberish.GibberishFilter" in custom
    files = stack.training_files()
    for name in custom:
        module = ROOT.joinpath(*name.rsplit(".", 1)[0].split(".")).with_suffix(".py")
        assert module in files, f"{module.relative_to(ROOT)} is trained into the model but not in its hash"


def _minimal_project(root: Path) -> None:
    """A copy of the project's training inputs, with small data files."""
    shutil.copy(ROOT / "config.yml", root / "config.yml")
    shutil.copy(ROOT / "domain.yml", root / "domain.yml")
    shutil.copy(ROOT / "requirements.lock", root / "requirements.lock")
    for folder in ("data/nlu", "data/rules", "data/stories"):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.yml").write_text('version: "3.1"\n', encoding="utf-8")
    (root / "rasa_plugins").mkdir()
    (root / "rasa_plugins" / "__init__.py").write_text("", encoding="utf-8")
    shutil.copy(ROOT / "rasa_plugins" / "gibberish.py", root / "rasa_plugins" / "gibberish.py")


def test_a_change_to_a_custom_component_changes_the_model_hash(tmp_path):
    _minimal_project(tmp_path)
    before = stack.model_hash(tmp_path)
    assert stack.model_hash(tmp_path) == before  # stable while nothing changes
    component = tmp_path / "rasa_plugins" / "gibberish.py"
    component.write_text(component.read_text(encoding="utf-8").replace('VOCABULARY_FILE = "vocabulary.json"',
                                                                        'VOCABULARY_FILE = "words.json"'),
                         encoding="utf-8")
    assert stack.model_hash(tmp_path) != before


def test_a_change_to_a_module_the_component_imports_changes_the_model_hash(tmp_path):
    _minimal_project(tmp_path)
    component = tmp_path / "rasa_plugins" / "gibberish.py"
    component.write_text("from rasa_plugins.wordlist import WORDS\n" + component.read_text(encoding="utf-8"),
                         encoding="utf-8")
    helper = tmp_path / "rasa_plugins" / "wordlist.py"
    helper.write_text("WORDS = {'bud'}\n", encoding="utf-8")
    before = stack.model_hash(tmp_path)
    helper.write_text("WORDS = {'bud', 'cite'}\n", encoding="utf-8")
    assert stack.model_hash(tmp_path) != before
    assert helper in stack.training_files(tmp_path)
