"""Build data/programme/employment/structures.csv: the hand-curated structures and the local offices of
Service-Public.fr's 2019 directory (Nord and Pas-de-Calais).

- data/programme/employment/structures_manual.csv: the structures named by the public sources of
  employment_structures_sources.csv, compiled by hand (see PROVENANCE.md); they stay as they are.
- data/programme/sources/annuaire_service_public_2019_emploi_59_62.csv: 151 offices; the 3 DIRECCTE units are left
  out. Each office gets its communes and EPCI by assistant/directory.py (a Mission locale serves its EPCI when it
  is the only one of the directory there: an inference said in its note).
- A Mission locale of the directory in the EPCI of a hand-curated Mission locale is that same Mission locale: the
  hand-curated row keeps its id, name and source and gains the directory's address, phone, source and date.

Deterministic: the same inputs give the same file.  Usage: python scripts/build_structures.py [--out PATH]
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import directory  # noqa: E402

PROGRAMME = ROOT / "data" / "programme"
MANUAL = PROGRAMME / "employment" / "structures_manual.csv"
DIRECTORY = PROGRAMME / "sources" / "annuaire_service_public_2019_emploi_59_62.csv"
TARGET = PROGRAMME / "employment" / "structures.csv"
COLUMNS = ("id", "nom", "kind", "communes", "epci", "adresse", "contact", "horaires", "note", "source",
           "source_date", "updated_by", "updated_at")
COMPILED_ON = "2026-12-01T00:00:00"
UPDATED_BY = "sources publiques"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    with (PROGRAMME / "communes.csv").open(encoding="utf-8") as f:
        communes = list(csv.DictReader(f))
    epci_of = {c["insee"]: c["epci_siren"] for c in communes if c["epci_siren"]}
    with MANUAL.open(encoding="utf-8") as f:
        manual = list(csv.DictReader(f))
    with DIRECTORY.open(encoding="utf-8") as f:
        offices = directory.with_coverage(directory.from_2019_rows(csv.DictReader(f)), epci_of, epci_of.values())
    rows = [{**row, "source_date": row.get("source_date", "")} for row in manual]
    by_epci = {row["epci"]: row for row in rows if row["kind"] == "mission_locale" and ";" not in row["epci"]}
    for office in offices:
        same = by_epci.get(office["epci"]) if office["kind"] == "mission_locale" and office["epci"] else None
        if same is not None:
            codes = same["communes"].split(";")
            same.update(
                communes=";".join(codes + [c for c in office["communes"].split(";") if c not in codes]),
                adresse=office["adresse"],
                contact=office["contact"],
                note=" ".join(p for p in (same["note"], office["note"]) if p),
                source=f"{same['source']} ; {office['source']}",
                source_date=office["source_date"],
                updated_at=COMPILED_ON,
            )
            continue
        rows.append({**{k: v or "" for k, v in office.items()}, "updated_by": UPDATED_BY, "updated_at": COMPILED_ON})
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        sys.exit("duplicate structure ids")
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: row.get(k) or "" for k in COLUMNS} for row in rows)
    print(f"{len(rows)} structures written to {args.out}")


if __name__ == "__main__":
    main()
