"""Teach the assistant the messages staff labelled in the console: one command.

    make retrain FILE=~/Téléchargements/insights-2026-12-02.yml

copies the exported file to data/nlu/insights/ (same name: a newer export of the same day replaces it), checks
the training data with `rasa data validate` (the copy is removed if they are not valid), then trains the model
(`python -m assistant.stack train`; the next `make run` uses it). Run `make test` before deploying: the held-out
NLU test fails if a labelled message is too close to a held-out phrase.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "data" / "nlu" / "insights"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).expanduser().is_file():
        print("Usage : make retrain FILE=chemin/du/fichier-exporte.yml", file=sys.stderr)
        return 2
    source = Path(argv[0]).expanduser()
    TARGET.mkdir(parents=True, exist_ok=True)
    copy = TARGET / source.name
    shutil.copyfile(source, copy)
    binary = Path(sys.executable).parent
    checked = subprocess.run([str(binary / "rasa"), "data", "validate", "--domain", "domain.yml", "--data", "data"],
                             cwd=ROOT)
    if checked.returncode != 0:
        copy.unlink()
        print(f"Données d'entraînement invalides avec {source.name} : fichier retiré, rien n'est changé.", file=sys.stderr)
        return 1
    print(f"{copy.relative_to(ROOT)} ajouté ; entraînement du modèle…", flush=True)
    return subprocess.run([sys.executable, "-m", "assistant.stack", "train"], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
