"""The renovation status of a cité, kept by staff: checks, updates through the API, and the CSV imports (statuses,
or a newer extract of a source layer). All lines or none; every change is kept in the history."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import field
from typing import Any, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant import cite_sources, csv_import, french, history
from assistant.communes import CommuneIndex, communes
from assistant.storage import split_list, utcnow
from assistant.text import normalise
from assistant.cites.records import (CITES_FILE, DATE_EXPECTED, ENTITY, STATUS_DATES, STATUS_FIELDS, STATUSES,
                                     _DATE_COLUMNS, Cite, _file_errors, all_cites, check_status, cites, get,
                                     merge_row)

class StatusError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__(" ; ".join(errors))
        self.errors = errors


def parse_status_fields(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Status fields as sent through the API (strings or null) → typed values, and French errors."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for name, value in raw.items():
        if name not in STATUS_FIELDS:
            errors.append(f"champ inconnu : {name} ; champs possibles : {', '.join(STATUS_FIELDS)}")
            continue
        text = value.strip() if isinstance(value, str) else value
        if text in (None, ""):
            if name == "statut":
                errors.append(f"le statut est obligatoire ; valeurs possibles : {', '.join(STATUSES)}")
            values[name] = None
        elif not isinstance(text, str):
            errors.append(f"{name} doit être un texte, pas {text!r}")
        elif name == "statut" and text not in STATUSES:
            errors.append(f"le statut vaut {text!r}, valeurs possibles : {', '.join(STATUSES)}")
        elif name in STATUS_DATES:
            try:
                values[name] = csv_import.parse_date(text)
            except ValueError:
                errors.append(f"{name} vaut {text!r}, attendu : {DATE_EXPECTED}")
        else:
            values[name] = text
    return values, errors



def update_status(
    conn: Connection, cite_id: str, raw: Mapping[str, Any], changed_by: str, replace: bool
) -> tuple[Cite, list[history.Change]]:
    """Change a cité's status through the API: `replace` sets every status field (absent ones emptied), otherwise
    only the fields given. Raises KeyError for an unknown cité and StatusError (French messages) for bad values."""
    values, errors = parse_status_fields(raw)
    if replace and "statut" not in raw:
        errors.append(f"le statut est obligatoire ; valeurs possibles : {', '.join(STATUSES)}")
    if not raw:
        errors.append(f"aucun champ à modifier ; champs possibles : {', '.join(STATUS_FIELDS)}")
    if errors:
        raise StatusError(errors)
    if replace:
        values = {name: values.get(name) for name in STATUS_FIELDS}
    before, after = _write_status(conn, cite_id, values, changed_by)
    recorded = history.record(conn, ENTITY, cite_id, before, after, changed_by, "api")
    cite = get(conn, cite_id)
    assert cite is not None
    return cite, recorded


def _current_status(conn: Connection, cite_id: str) -> dict[str, Any]:
    row = conn.execute(sa.select(*(cites.c[name] for name in STATUS_FIELDS)).where(cites.c.id == cite_id)).first()
    if row is None:
        raise KeyError(cite_id)
    return dict(row._mapping)


def _write_status(
    conn: Connection, cite_id: str, values: Mapping[str, Any], changed_by: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the resulting status and write it; return the status fields before and after."""
    before = _current_status(conn, cite_id)
    after = {**before, **values}
    errors = check_status(after)
    if errors:
        raise StatusError(errors)
    if any(history.as_text(before[name]) != history.as_text(after[name]) for name in STATUS_FIELDS):
        conn.execute(
            cites.update()
            .where(cites.c.id == cite_id)
            .values(**after, updated_by=changed_by, updated_at=utcnow())
        )
    return before, after


def _check_import_row(conn: Connection, values: csv_import.Values) -> list[str]:
    try:
        before = _current_status(conn, values["id"])
    except KeyError:
        return [f"aucune cité avec l'identifiant {values['id']!r} (voir GET /cites)"]
    return check_status({**before, **{k: v for k, v in values.items() if k != "id"}})


# Status import: `id` and `statut` required; a date column absent from the file is left unchanged, an empty
# cell in a present column empties the value.
STATUS_IMPORT = csv_import.Schema(
    entity_kind=ENTITY,
    key="id",
    columns=(
        csv_import.Column("id", required=True),
        csv_import.Column("statut", required=True, allowed=tuple(STATUSES)),
        *_DATE_COLUMNS,
        csv_import.Column("source_statut"),
    ),
    check_row=_check_import_row,
)


def import_kind(text: str) -> str:
    """What a staff CSV is: « statuts » (id, statut…), « cites » (the cites.csv format) or a Mission Bassin Minier
    layer (« erbm », « zone_tampon » or « bien_inscrit »; the first two share their columns: `couche` says which)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
    layer = cite_sources.detect(header)
    if layer is not None:
        return layer
    if "nom" in header and "source" in header:
        return "cites"
    return "statuts"


def import_cites(engine: Engine, text: str, changed_by: str) -> csv_import.ImportReport:
    """Import cités in the cites.csv format (a newer build, or rows staff prepared): every row is merged as at
    start-up (assistant.cites.merge_row): a row at least as recent as the stored one wins, a status entered by staff
    is kept. All rows or none."""

    def check(conn: Connection, values: csv_import.Values) -> list[str]:
        return [e.message for e in _file_errors(conn, [csv_import.ParsedRow(0, values)])]

    schema = csv_import.Schema(ENTITY, CITES_FILE.columns, key="id", check_row=check)
    return csv_import.run_import(engine, text, schema, merge_row, changed_by)


def import_layer(
    engine: Engine, text: str, layer: str, extract_date: str, changed_by: str, index: CommuneIndex
) -> csv_import.ImportReport:
    """Import a newer extract of one Mission Bassin Minier layer, in its published columns (the files of
    data/programme/sources/). Each row goes to the cité it describes (its row in that layer, else the same name in
    a shared commune) or becomes a new cité; the layer's facts replace the stored ones when the extract is at least
    as recent as the cité's source date; a staff-entered status is never touched. All rows or none."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""),
                               delimiter=";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","))

    def insee_of(name: str, derived: str) -> Optional[str]:
        if derived and index.get(derived) is not None:
            return derived
        found = index.resolve(name)
        return found.communes[0].insee if found.status == "found" and found.match == "exact" else None

    records, problems = cite_sources.records(layer, rows, insee_of)
    if problems:
        raise csv_import.ImportRejected([csv_import.LineError(0, p) for p in problems])
    label = cite_sources.LAYERS[layer]["nom"]
    when = utcnow()
    recorded: list[history.Change] = []
    with engine.begin() as conn:
        every = all_cites(conn)
        taken = {c.id for c in every}
        for record in records:
            target = _layer_target(every, record)
            values = _layer_values(target, record, label, extract_date, changed_by, when, taken)
            change = merge_row(conn, values)
            if change is not None:
                recorded.extend(
                    history.record(conn, ENTITY, change.key, change.before, change.after, changed_by, "import", when)
                )
    return csv_import.ImportReport(rows=len(records), changes=recorded)


def _layer_target(every: list[Cite], record: "cite_sources.Record") -> Optional[Cite]:
    ref = f"{record.layer}:{record.ref}"
    same_lsm = {f"{cite_sources.ERBM}:{record.id_lsm}", f"{cite_sources.ZONE_TAMPON}:{record.id_lsm}"}
    for cite in every:
        if ref in cite.refs or (record.id_lsm and same_lsm & set(cite.refs)):
            return cite
    for cite in every:
        keys = {cite_sources.name_key(n) for n in (cite.nom, *cite.autres_noms)}
        if keys & record.keys and {c.insee for c in cite.communes} & set(record.communes):
            return cite
    return None


def _layer_values(
    cite: Optional[Cite], record, label: str, extract_date: str, by: str, when: dt.datetime, taken: set[str]
) -> dict:
    """The cites.csv row for a cité after this layer's row: the stored facts, with the layer's own replaced."""
    layer = cite_sources.ERBM if record.layer == cite_sources.ERBM_APPENDED else record.layer
    dated = f"{label}, extrait du {french.date(extract_date)}"
    if cite is None:
        base = normalise(record.nom).replace(" ", "-")
        cite_id, number = base, 2
        while cite_id in taken:
            cite_id, number = f"{base}-{number}", number + 1
        taken.add(cite_id)
        values: dict[str, Any] = {
            "id": cite_id, "nom": record.nom, "autres_noms": None, "logements": None, "erbm": None, "operation": None,
            "ce_que_dit_la_source": None, "type": None, "compagnie": None, "interet": None, "erbm_liste": False,
            "unesco_bien": False, "zone_tampon": "non", "monument_historique": None, "references": "",
            "bailleur": None, "communes": (), "source": "",
        }
        sources: list[str] = []
    else:
        values = {
            "id": cite.id, "nom": cite.nom, "autres_noms": ";".join(cite.autres_noms) or None,
            "logements": cite.logements, "erbm": cite.erbm, "operation": cite.operation,
            "ce_que_dit_la_source": cite.note_source, "type": cite.type, "compagnie": cite.compagnie,
            "interet": cite.interet, "erbm_liste": cite.erbm_liste, "unesco_bien": cite.unesco_bien,
            "zone_tampon": cite.zone_tampon, "monument_historique": cite.monument_historique,
            "references": ";".join(cite.refs), "bailleur": cite.bailleur,
            "communes": tuple(c.insee for c in cite.communes), "source": cite.source,
        }
        sources = [part for part in re.split(r"\s;\s", re.sub(r"\s*\(Licence Ouverte[^)]*\)$", "", cite.source))
                   if not part.startswith(label)]
    refs = [r for r in split_list(values["references"]) if not r.startswith(f"{record.layer}:")]
    aliases = list(split_list(values["autres_noms"]))
    aliases += [a for a in record.autres_noms if a not in aliases and a != values["nom"]]
    values.update(
        autres_noms=";".join(aliases) or None,
        communes=tuple(dict.fromkeys([*values["communes"], *record.communes])),
        type=record.type or values["type"],
        compagnie=record.compagnie or values["compagnie"],
        interet=record.interet or values["interet"],
        references=";".join([*refs, f"{record.layer}:{record.ref}"]),
        source=" ; ".join([*sources, dated]) + f" ({cite_sources.LICENCE})",
        source_date=extract_date,
        updated_by=by,
        updated_at=when,
        statut=None,
    )
    if layer == cite_sources.ERBM:
        values.update(erbm_liste=True, erbm=True, bailleur=record.bailleur or values["bailleur"])
    elif layer == cite_sources.ZONE_TAMPON:
        values.update(zone_tampon="en_partie" if record.partly_buffer else "oui",
                      bailleur=record.bailleur or values["bailleur"])
    else:
        mh = "classé" if record.classe_mh else "inscrit" if record.inscrit_mh else values["monument_historique"]
        values.update(unesco_bien=True, monument_historique=mh)
    return values


def import_statuses(engine: Engine, text: str, changed_by: str) -> csv_import.ImportReport:
    """Import a status CSV: every line is applied, or none (csv_import.ImportRejected)."""

    def apply(conn: Connection, values: csv_import.Values) -> csv_import.RowChange:
        fields = {k: v for k, v in values.items() if k != "id"}
        before, after = _write_status(conn, values["id"], fields, changed_by)
        return csv_import.RowChange(values["id"], before, after)

    return csv_import.run_import(engine, text, STATUS_IMPORT, apply, changed_by)


