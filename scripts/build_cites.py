"""Build data/programme/cites.csv from data/programme/cites_sources.csv (what each public source says).

The sources file stays the reference (see data/programme/PROVENANCE.md, section « Cités minières »). This script
turns each row into a cité of the programme data, without adding anything no source states:
- commune names are resolved to INSEE codes against data/programme/communes.csv (the build fails on an unknown
  or ambiguous name); a cité whose commune is not stated keeps no commune;
- `erbm` is true when the source places the cité in the ERBM, false when it says the works came before it, empty
  otherwise; `operation` (priorite_2018 / operations_fin_2022 / hors_erbm) only when a source says which;
- the status and its dates are left empty: no public source gives them; staff maintain them (API or CSV import);
- `source_date` is the date the source names (YYYY, YYYY-MM or YYYY-MM-DD), empty when it gives none.

Staff may edit cites.csv directly afterwards; it is loaded on a database's first start.

Usage: python scripts/build_cites.py [--date YYYY-MM-DD]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.text import normalise  # noqa: E402

PROGRAMME = ROOT / "data" / "programme"
SOURCES = PROGRAMME / "cites_sources.csv"
TARGET = PROGRAMME / "cites.csv"
COLUMNS = (
    "id", "nom", "autres_noms", "communes", "bailleur", "logements", "erbm", "operation",
    "statut", "debut_travaux_prevu", "fin_travaux_prevue", "debut_travaux_reel", "fin_travaux_reelle",
    "source_statut", "ce_que_dit_la_source", "source", "source_date", "updated_by", "updated_at",
)
UPDATED_BY = "équipe projet (sources publiques)"
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
PARENTHESIS = re.compile(r"\s*\(([^)]*)\)\s*")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="compilation date (updated_at)")
    args = parser.parse_args()
    communes = _commune_codes()
    with SOURCES.open(encoding="utf-8") as f:
        rows = [build_row(row, communes, args.date) for row in _source_rows(f)]
    ids = [row["id"] for row in rows]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"duplicate ids: {sorted(duplicates)}")
    with TARGET.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} cités written to {TARGET.relative_to(ROOT)}")


def _source_rows(lines) -> list[dict]:
    """The source rows. A row with more fields than the header has an unquoted comma in its free text
    (`what_the_source_says`, e.g. « (prefecture page, November 2023) »): the extra fields are joined back into it,
    the last field being the source."""
    reader = csv.reader(lines)
    header = next(reader)
    said = header.index("what_the_source_says")
    rows = []
    for cells in reader:
        extra = len(cells) - len(header)
        if extra > 0 and said == len(header) - 2:
            cells = cells[:said] + [",".join(cells[said : said + extra + 1])] + cells[said + extra + 1 :]
        if len(cells) != len(header):
            sys.exit(f"{SOURCES.name}, line {reader.line_num}: {len(cells)} fields for {len(header)} columns")
        rows.append(dict(zip(header, cells)))
    return rows


def build_row(row: dict, communes: dict[str, list[tuple[str, str]]], compiled_on: str) -> dict:
    full_name = row["cite"].strip()
    aliases = PARENTHESIS.findall(full_name)
    name = PARENTHESIS.sub(" ", full_name).strip()
    codes = []
    for commune in filter(None, (c.strip() for c in row["communes"].split(";"))):
        found = communes.get(normalise(commune), [])
        if len(found) != 1:
            sys.exit(f"{full_name}: commune {commune!r} resolves to {found}")
        code, epci = found[0]
        if row["epci"] and epci != row["epci"]:
            print(f"warning: {full_name}: {commune} is in {epci!r}, the source says {row['epci']!r}")
        codes.append(code)
    said = row["what_the_source_says"]
    return {
        "id": _slug(name + (" " + row["communes"].split(";")[0] if codes else "")),
        "nom": name,
        "autres_noms": ";".join(aliases),
        "communes": ";".join(codes),
        "bailleur": row["bailleur"],
        "logements": _homes(row),
        "erbm": _erbm(said),
        "operation": "hors_erbm" if _erbm(said) == "false" else "",
        "statut": "",
        "debut_travaux_prevu": "",
        "fin_travaux_prevue": "",
        "debut_travaux_reel": "",
        "fin_travaux_reelle": "",
        "source_statut": "",
        "ce_que_dit_la_source": said,
        "source": row["source"],
        "source_date": _source_date(row["source"]) or _source_date(said),
        "updated_by": UPDATED_BY,
        "updated_at": compiled_on,
    }


def _commune_codes() -> dict[str, list[tuple[str, str]]]:
    codes: dict[str, list[tuple[str, str]]] = {}
    with (PROGRAMME / "communes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            codes.setdefault(normalise(row["nom"]), []).append((row["insee"], row["epci_nom"]))
    return codes


def _homes(row: dict) -> str:
    # The number of homes of this cité only: « about 180 homes in Méricourt in total » is not one cité's.
    return row["logements"].strip()


def _erbm(said: str) -> str:
    if "before the ERBM" in said:
        return "false"
    if "ERBM" in said:
        return "true"
    return ""


def _source_date(text: str) -> str:
    day = re.search(r"\b(\d{2})/(\d{2})/(\d{4})\b", text)
    if day:
        return f"{day.group(3)}-{day.group(2)}-{day.group(1)}"
    month = re.search(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", text, re.IGNORECASE)
    if month:
        return f"{month.group(2)}-{MONTHS[month.group(1).lower()]:02d}"
    year = re.search(r"\((?:[^)]*\s)?(\d{4})\)", text)
    return year.group(1) if year else ""


def _slug(text: str) -> str:
    return normalise(text).replace(" ", "-")


if __name__ == "__main__":
    main()
