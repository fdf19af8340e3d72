"""Build data/programme/cites.csv from the public sources: cites_sources.csv (what each public source says) and
the Mission Bassin Minier's layers in data/programme/sources/ (ERBM, UNESCO buffer zone, UNESCO inscribed property).

The sources file stays the reference (see data/programme/PROVENANCE.md, section « Cités minières »). This script
turns each row into a cité of the programme data, without adding anything no source states:
- commune names are resolved to INSEE codes against data/programme/communes.csv (the build fails on an unknown
  or ambiguous name); a cité whose commune is not stated keeps no commune;
- `erbm` is true when the source places the cité in the ERBM, false when it says the works came before it, empty
  otherwise; `operation` (priorite_2018 / operations_fin_2022 / hors_erbm) only when a source says which;
- the status and its dates are left empty: no public source gives them; staff maintain them (API or CSV import);
- `source_date` is the date the source names (YYYY, YYYY-MM or YYYY-MM-DD), empty when it gives none.

Then the Mission Bassin Minier's layers (assistant/cite_sources.py) are merged: the rows of one cité in several
layers become one cité carrying every fact (in the ERBM list, part of the inscribed property, in the buffer zone);
a hand-curated cité of cites_sources.csv that one of them describes keeps its id, name, note and status and gains
the layers' facts (a landlord given by a layer wins: the layers are newer). Deterministic: the same inputs give
the same file (`--date` is the compilation date written in updated_at).

The service loads cites.csv on a database's first start, and merges a newer version at the next start (a
staff-entered status is never overwritten).

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

from assistant import cite_sources as cs  # noqa: E402
from assistant import french  # noqa: E402
from assistant.text import normalise  # noqa: E402

PROGRAMME = ROOT / "data" / "programme"
SOURCES = PROGRAMME / "cites_sources.csv"
LAYER_FILES = {
    cs.ERBM: PROGRAMME / "sources" / "cites_minieres_erbm.csv",
    cs.ZONE_TAMPON: PROGRAMME / "sources" / "cites_minieres_zone_tampon_unesco.csv",
    cs.BIEN_INSCRIT: PROGRAMME / "sources" / "cites_minieres_unesco_bien_inscrit.csv",
}
COMPILED_ON = "2026-12-01"
# Hand-curated cités that a layer names otherwise (checked by hand: same commune, the layer's other name).
SAME_CITE = {"cite-de-la-croisette-mericourt": "erbm:362"}  # « Cité 4-5 Sud », also « Rés. de la Croisette »
TARGET = PROGRAMME / "cites.csv"
COLUMNS = (
    "id", "nom", "autres_noms", "communes", "bailleur", "logements", "erbm", "operation",
    "statut", "debut_travaux_prevu", "fin_travaux_prevue", "debut_travaux_reel", "fin_travaux_reelle",
    "source_statut", "ce_que_dit_la_source", "source", "source_date", "updated_by", "updated_at",
    "type", "compagnie", "interet", "erbm_liste", "unesco_bien", "zone_tampon", "monument_historique", "references",
)
UPDATED_BY = "équipe projet (sources publiques)"
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
PARENTHESIS = re.compile(r"\s*\(([^)]*)\)\s*")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=COMPILED_ON, help="compilation date (updated_at)")
    parser.add_argument("--out", type=Path, default=TARGET, help="where to write (default: data/programme/cites.csv)")
    args = parser.parse_args()
    communes = _commune_codes()
    with SOURCES.open(encoding="utf-8") as f:
        hand = [build_row(row, communes, args.date) for row in _source_rows(f)]
    rows = merge_layers(hand, layer_records(), args.date)
    ids = [row["id"] for row in rows]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"duplicate ids: {sorted(duplicates)}")
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} cités written to {args.out}")


def layer_records() -> list[cs.Record]:
    known = _communes_by_code()
    names = _commune_codes()

    def insee_of(name: str, derived: str):
        if derived in known:
            return derived
        found = names.get(normalise(name), [])
        return found[0][0] if len(found) == 1 else None

    result = []
    for layer, path in LAYER_FILES.items():
        with path.open(encoding="utf-8") as f:
            found, problems = cs.records(layer, csv.DictReader(f), insee_of)
        if problems:
            sys.exit(f"{path.name}: " + "; ".join(problems))
        result.extend(found)
    return result


def merge_layers(hand: list[dict], layer: list[cs.Record], compiled_on: str) -> list[dict]:
    """The hand-curated rows, each with the layers' facts when a layer describes it, then the layers' other cités."""
    merged = cs.merge(layer)
    epci = {code: row["epci_siren"] for code, row in _communes_by_code().items()}
    by_ref = {ref: m for m in merged for ref in m.refs()}
    used: set[int] = set()
    rows = []
    for row in hand:
        match = _hand_match(row, merged, by_ref, epci, used)
        if match is not None:
            used.add(id(match))
        rows.append(_combined(row, match, compiled_on))
    ids = {row["id"] for row in rows}
    for cite in merged:
        if id(cite) in used:
            continue
        row = _combined(None, cite, compiled_on)
        if row["id"] in ids:
            row["id"] = f"{row['id']}-{_slug(cite.refs()[0].split(':', 1)[1])}"
        ids.add(row["id"])
        rows.append(row)
    return rows


def _hand_match(row: dict, merged: list[cs.Merged], by_ref: dict, epci: dict, used: set[int]):
    if row["id"] in SAME_CITE:
        return by_ref[SAME_CITE[row["id"]]]
    keys = {cs.name_key(n) for n in [row["nom"], *filter(None, row["autres_noms"].split(";"))]} - {""}
    codes = set(filter(None, row["communes"].split(";")))
    named = [m for m in merged if id(m) not in used and keys & m.keys]
    here = [m for m in named if codes & set(m.communes)]
    if len(here) == 1:
        return here[0]
    # A cité the source places in no commune, or in a neighbouring commune of the same EPCI (« Cité Schneider »,
    # Rœulx for bassinminierattractif.fr, Escaudain and Lourches for the ERBM layer): the one cité of that name.
    if not here and len(named) == 1:
        theirs = {epci.get(c) for c in named[0].communes}
        if not codes or {epci.get(c) for c in codes} & theirs:
            return named[0]
    return None


def _combined(row, cite, compiled_on: str) -> dict:
    if cite is None:
        return {**row, "erbm_liste": "false", "unesco_bien": "false", "zone_tampon": "non", "references": "manuel",
                "type": "", "compagnie": "", "interet": "", "monument_historique": ""}
    layers = cite.layers()
    in_list = bool(layers & {cs.ERBM, cs.ERBM_APPENDED})
    buffer = [r for r in cite.records if r.layer == cs.ZONE_TAMPON]
    sources, dates = [], []
    for record in cite._by_priority():
        # Appended ERBM rows come with the inscribed property's extract (its date).
        layer = cs.BIEN_INSCRIT if record.layer == cs.ERBM_APPENDED else record.layer
        date = cs.LAYERS[layer]["date"]
        label = cs.ERBM_APPENDED_SOURCE if record.layer == cs.ERBM_APPENDED else cs.LAYERS[layer]["nom"]
        label += f", extrait du {french.date(date)}"
        if label not in sources:
            sources.append(label)
        dates.append(date)
    source = " ; ".join(sources) + f" ({cs.LICENCE})"
    mh = "classé" if any(r.classe_mh for r in cite.records) else "inscrit" if any(r.inscrit_mh for r in cite.records) else ""
    facts = {
        "type": cite.first("type"),
        "compagnie": cite.first("compagnie"),
        "interet": cite.first("interet"),
        "erbm_liste": "true" if in_list else "false",
        "unesco_bien": "true" if cs.BIEN_INSCRIT in layers else "false",
        "zone_tampon": ("en_partie" if all(r.partly_buffer for r in buffer) else "oui") if buffer else "non",
        "monument_historique": mh,
    }
    if row is not None:
        codes = [c for c in row["communes"].split(";") if c]
        codes += [c for c in cite.communes if c not in codes]
        aliases = [a for a in row["autres_noms"].split(";") if a]
        aliases += [n for n in [cite.nom, *cite.autres_noms] if cs.name_key(n) not in {cs.name_key(x) for x in [row["nom"], *aliases]}]
        return {
            **row,
            **facts,
            "autres_noms": ";".join(aliases),
            "communes": ";".join(codes),
            "bailleur": cite.first("bailleur") or row["bailleur"],
            "erbm": "true" if in_list else row["erbm"],
            "source": f"{row['source']} ; {source}",
            "source_date": max(dates),
            "references": ";".join(["manuel", *cite.refs()]),
            "updated_at": compiled_on,
        }
    first_commune = _commune_names().get(cite.communes[0], "") if cite.communes else ""
    return {
        "id": _slug(f"{cite.nom} {first_commune}"),
        "nom": cite.nom,
        "autres_noms": ";".join(cite.autres_noms),
        "communes": ";".join(cite.communes),
        "bailleur": cite.first("bailleur"),
        "logements": "",
        "erbm": "true" if in_list else "",
        "operation": "",
        **{name: "" for name in ("statut", "debut_travaux_prevu", "fin_travaux_prevue", "debut_travaux_reel",
                                  "fin_travaux_reelle", "source_statut", "ce_que_dit_la_source")},
        "source": source,
        "source_date": max(dates),
        "updated_by": UPDATED_BY,
        "updated_at": compiled_on,
        **facts,
        "references": ";".join(cite.refs()),
    }


def _communes_by_code() -> dict[str, dict]:
    with (PROGRAMME / "communes.csv").open(encoding="utf-8") as f:
        return {row["insee"]: row for row in csv.DictReader(f)}


def _commune_names() -> dict[str, str]:
    return {code: row["nom"] for code, row in _communes_by_code().items()}


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
