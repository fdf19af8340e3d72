"""One cache for the data files staff edit (assistant/datafiles.py): no other module keeps its own copy of a file
keyed by its modification time, so every reader sees an edit at once, the same way."""
from __future__ import annotations

from pathlib import Path

from assistant import datafiles

ASSISTANT = Path(__file__).resolve().parents[2] / "assistant"


def test_only_datafiles_caches_a_file_by_its_modification_time():
    others = [path.relative_to(ASSISTANT).as_posix() for path in ASSISTANT.rglob("*.py")
              if path.name != "datafiles.py" and "st_mtime" in path.read_text(encoding="utf-8")]
    assert others == []


def test_an_edited_file_is_read_again_and_an_unchanged_one_is_not(tmp_path):
    data = tmp_path / "cues.yaml"
    data.write_text("mots: [rsa]\n", encoding="utf-8")
    builds: list[dict] = []

    def build(parsed: dict) -> list:
        builds.append(parsed)
        return parsed["mots"]

    assert datafiles.cached(data, build) == ["rsa"]
    assert datafiles.cached(data, build) == ["rsa"] and len(builds) == 1
    data.write_text("mots: [rsa, minimum social]\n", encoding="utf-8")
    assert datafiles.cached(data, build) == ["rsa", "minimum social"] and len(builds) == 2
