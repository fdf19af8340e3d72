"""Rebuild data/programme/communes.csv from ../shared/data/communes_59_62.csv.

The shared file is the public source (see data/programme/PROVENANCE.md). This script copies it and adds the two
columns the assistant needs to speak about the 2019 additions: `bud_since` (the first day a company created in
the commune can qualify) and `bud_since_certainty` (confirmed / probable / unknown). Staff who get the annexes
of the arrêtés of 14/02/2018 and 11/04/2019 edit the CSV itself; no code changes.

Usage: python scripts/import_shared_communes.py [path/to/communes_59_62.csv]
"""
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "communes_59_62.csv"
TARGET = ROOT / "data" / "programme" / "communes.csv"

# Confirmed 2019 additions: on the transcribed list of the arrêté of 11 April 2019.
ADDED_2019_CONFIRMED = {"La Bassée", "Fressies", "Iwuy"}
# Inside the 2019 perimeter but absent from the 2018 Nord list: likely 2019 additions (INFERENCE).
ADDED_2019_PROBABLE = {"Ostricourt", "Wahagnies", "Vicq", "Villers-en-Cauchies"}


def since(row: dict) -> tuple[str, str]:
    if row["bud"] != "true":
        return "", ""
    if row["nom"] in ADDED_2019_CONFIRMED:
        return "2019-01-01", "confirmed"
    if row["departement"] == "59" and row["nom"] in ADDED_2019_PROBABLE:
        return "2019-01-01", "probable"
    if row["bud_source"] == "arrete_list":
        return "2018-01-01", "confirmed"
    return "2018-01-01", "unknown"


def main(source: Path) -> None:
    with source.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0].keys()) + ["bud_since", "bud_since_certainty"]
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            row["bud_since"], row["bud_since_certainty"] = since(row)
            writer.writerow(row)
    print(f"{len(rows)} communes written to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
