"""Cités minières: what public sources say about each cité, its renovation status kept by staff, and search.

The shipped data (data/programme/cites.csv, built from cites_sources.csv) hold only what sources state; no public
source gives the works status of a cité, so every shipped status is « inconnu ». Staff set statuses and dates
through the API or a CSV import; each change is kept in the history (assistant.history) and is read from the
database by the next request: there is no cache to go stale.

Search takes a name as residents type it (« cite agache », « la Croisette à Méricourt », « cité des alouettes
bully », typos) and answers found / ambiguous / not_found. A close spelling counts as found only when it is one
typo away from a single cité's name (two for long names) or sounds the same; anything weaker is only a
suggestion, never an answer.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.engine import Connection, Engine

from assistant import csv_import, history
from assistant.communes import Commune, CommuneIndex, communes
from assistant.communes import _commune  # the row → Commune mapping of the communes module
from assistant.storage import metadata, utcnow
from assistant.text import normalise

ENTITY = "cite"

STATUSES = {
    "a_l_etude": "À l'étude",
    "programmee": "Travaux programmés",
    "en_travaux": "En travaux",
    "terminee": "Travaux terminés",
    "inconnu": "Statut inconnu",
}
UNKNOWN = "inconnu"
OPERATIONS = {
    "priorite_2018": "Cités prioritaires lancées en 2018 (35 cités)",
    "operations_fin_2022": "Opérations lancées fin 2022 (15 opérations)",
    "hors_erbm": "Hors ERBM (réhabilitation antérieure au programme)",
}
STATUS_DATES = ("debut_travaux_prevu", "fin_travaux_prevue", "debut_travaux_reel", "fin_travaux_reelle")
STATUS_FIELDS = ("statut", *STATUS_DATES, "source_statut")
DATE_EXPECTED = "une date au format AAAA-MM-JJ"

cites = sa.Table(
    "cites",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("nom", sa.String(120), nullable=False),
    sa.Column("autres_noms", sa.Text),  # ';'-separated
    sa.Column("bailleur", sa.String(120)),
    sa.Column("logements", sa.Integer),
    sa.Column("erbm", sa.Boolean),  # NULL: no source says whether the cité is in the ERBM
    sa.Column("operation", sa.String(32)),
    sa.Column("statut", sa.String(16), nullable=False),
    sa.Column("debut_travaux_prevu", sa.Date),
    sa.Column("fin_travaux_prevue", sa.Date),
    sa.Column("debut_travaux_reel", sa.Date),
    sa.Column("fin_travaux_reelle", sa.Date),
    sa.Column("source_statut", sa.Text),
    sa.Column("note_source", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_date", sa.String(10)),
    sa.Column("updated_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

cite_communes = sa.Table(
    "cite_communes",
    metadata,
    sa.Column("cite_id", sa.String(80), sa.ForeignKey("cites.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("insee", sa.String(5), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class Cite:
    id: str
    nom: str
    autres_noms: tuple[str, ...]
    communes: tuple[Commune, ...]
    bailleur: Optional[str]
    logements: Optional[int]
    erbm: Optional[bool]
    operation: Optional[str]
    statut: str
    dates: Mapping[str, Optional[dt.date]]
    source_statut: Optional[str]
    note_source: Optional[str]
    source: str
    source_date: Optional[str]
    updated_by: str
    updated_at: dt.datetime

    def in_commune(self, insee: str) -> bool:
        return any(c.insee == insee for c in self.communes)

    def summary(self) -> dict:
        return {"id": self.id, "nom": self.nom, "communes": [c.nom for c in self.communes]}

    def as_dict(self) -> dict:
        epci: dict[str, dict] = {}
        for commune in self.communes:
            if commune.epci_siren:
                epci.setdefault(commune.epci_siren, {"siren": commune.epci_siren, "nom": commune.epci_nom})
        return {
            "id": self.id,
            "nom": self.nom,
            "autres_noms": list(self.autres_noms),
            "communes": [{"insee": c.insee, "nom": c.nom} for c in self.communes],
            "epci": list(epci.values()),
            "bailleur": self.bailleur,
            "logements": self.logements,
            "erbm": self.erbm,
            "operation": {"code": self.operation, "libelle": OPERATIONS[self.operation]} if self.operation else None,
            "statut": {
                "code": self.statut,
                "libelle": STATUSES[self.statut],
                "connu": self.statut != UNKNOWN,
                **{name: _iso(value) for name, value in self.dates.items()},
                "source": self.source_statut,
            },
            "source": {"nom": self.source, "date": self.source_date, "note": self.note_source},
            "mise_a_jour": {"le": self.updated_at.isoformat(timespec="seconds") + "Z", "par": self.updated_by},
        }


# --- Loading the shipped file -------------------------------------------------------------------------------


def _parse_bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(value)
    return value == "true"


def _parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _parse_codes(value: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in value.split(";") if code.strip())
    if not all(len(code) == 5 and code.isdigit() for code in codes):
        raise ValueError(value)
    return codes


_DATE_COLUMNS = tuple(
    csv_import.Column(name, parse=csv_import.parse_date, expected=DATE_EXPECTED) for name in STATUS_DATES
)

# The whole cité file (data/programme/cites.csv); the loader checks it with the same rules as an import.
CITES_FILE = csv_import.Schema(
    entity_kind=ENTITY,
    key="id",
    columns=(
        csv_import.Column("id", required=True),
        csv_import.Column("nom", required=True),
        csv_import.Column("autres_noms"),
        csv_import.Column("communes", parse=_parse_codes, expected="des codes INSEE séparés par « ; »"),
        csv_import.Column("bailleur"),
        csv_import.Column("logements", parse=csv_import.parse_int, expected="un nombre entier positif"),
        csv_import.Column("erbm", parse=_parse_bool, expected="true ou false"),
        csv_import.Column("operation", allowed=tuple(OPERATIONS)),
        csv_import.Column("statut", allowed=tuple(STATUSES)),
        *_DATE_COLUMNS,
        csv_import.Column("source_statut"),
        csv_import.Column("ce_que_dit_la_source"),
        csv_import.Column("source", required=True),
        csv_import.Column("source_date"),
        csv_import.Column("updated_by", required=True),
        csv_import.Column("updated_at", required=True, parse=_parse_datetime, expected="une date AAAA-MM-JJ"),
    ),
)


def load(conn: Connection, programme_dir: Path) -> int:
    """Fill the cités from data/programme/cites.csv (after the communes); refuse a file with any error."""
    text = (programme_dir / "cites.csv").read_text(encoding="utf-8")
    parsed = csv_import.parse(text, CITES_FILE)
    known = {row.insee for row in conn.execute(sa.select(communes.c.insee))}
    errors = [str(e) for e in parsed.errors]
    for row in parsed.rows:
        values = row.values
        errors.extend(
            f"ligne {row.line} : code INSEE inconnu {code}" for code in values["communes"] or () if code not in known
        )
        errors.extend(f"ligne {row.line} : {message}" for message in check_status(values))
    if errors:
        raise ValueError("cites.csv : " + " ; ".join(errors))
    conn.execute(cite_communes.delete())
    conn.execute(cites.delete())
    for row in parsed.rows:
        values = row.values
        conn.execute(
            cites.insert().values(
                id=values["id"],
                nom=values["nom"],
                autres_noms=values.get("autres_noms"),
                bailleur=values.get("bailleur"),
                logements=values.get("logements"),
                erbm=values.get("erbm"),
                operation=values.get("operation"),
                statut=values.get("statut") or UNKNOWN,
                **{name: values.get(name) for name in STATUS_DATES},
                source_statut=values.get("source_statut"),
                note_source=values.get("ce_que_dit_la_source"),
                source=values["source"],
                source_date=values.get("source_date"),
                updated_by=values["updated_by"],
                updated_at=values["updated_at"],
            )
        )
        codes = values.get("communes") or ()
        if codes:
            conn.execute(
                cite_communes.insert(),
                [{"cite_id": values["id"], "insee": code, "position": i} for i, code in enumerate(codes)],
            )
    return len(parsed.rows)


# --- Reading ------------------------------------------------------------------------------------------------


def all_cites(conn: Connection, ids: Optional[Iterable[str]] = None) -> list[Cite]:
    """Every cité (or those of `ids`) with its communes, by name."""
    query = sa.select(cites).order_by(cites.c.nom, cites.c.id)
    links = (
        sa.select(cite_communes.c.cite_id, communes)
        .join(communes, communes.c.insee == cite_communes.c.insee)
        .order_by(cite_communes.c.cite_id, cite_communes.c.position)
    )
    if ids is not None:
        ids = list(ids)
        query = query.where(cites.c.id.in_(ids))
        links = links.where(cite_communes.c.cite_id.in_(ids))
    by_cite: dict[str, list[Commune]] = {}
    for row in conn.execute(links).mappings():
        by_cite.setdefault(row["cite_id"], []).append(_commune(row))
    return [_cite(row, by_cite.get(row["id"], [])) for row in conn.execute(query).mappings()]


def get(conn: Connection, cite_id: str) -> Optional[Cite]:
    found = all_cites(conn, [cite_id])
    return found[0] if found else None


def in_commune(conn: Connection, insee: str) -> list[Cite]:
    ids = [row.cite_id for row in conn.execute(sa.select(cite_communes.c.cite_id).where(cite_communes.c.insee == insee))]
    return all_cites(conn, ids)


def changes(conn: Connection, cite_id: str, limit: Optional[int] = None) -> list[history.Change]:
    return history.list_changes(conn, ENTITY, cite_id, limit)


# --- Status -------------------------------------------------------------------------------------------------


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


def check_status(values: Mapping[str, Any], today: Optional[dt.date] = None) -> list[str]:
    """Consistency of a complete status (statut and its four dates), in French."""
    today = today or dt.date.today()
    errors = []
    for start, end in (("debut_travaux_prevu", "fin_travaux_prevue"), ("debut_travaux_reel", "fin_travaux_reelle")):
        if values.get(start) and values.get(end) and values[end] < values[start]:
            errors.append(f"{end} ({values[end]}) est avant {start} ({values[start]})")
    for name in ("debut_travaux_reel", "fin_travaux_reelle"):
        if values.get(name) and values[name] > today:
            errors.append(f"{name} ({values[name]}) est dans le futur : une date réelle est une date passée")
    if values.get("statut") == "en_travaux" and values.get("fin_travaux_reelle"):
        errors.append("une cité en travaux n'a pas encore de fin_travaux_reelle (statut « terminee » ?)")
    if values.get("statut") in ("a_l_etude", "programmee") and values.get("debut_travaux_reel"):
        errors.append(f"une cité au statut {values['statut']} n'a pas encore de debut_travaux_reel")
    return errors


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


def import_statuses(engine: Engine, text: str, changed_by: str) -> csv_import.ImportReport:
    """Import a status CSV: every line is applied, or none (csv_import.ImportRejected)."""

    def apply(conn: Connection, values: csv_import.Values) -> csv_import.RowChange:
        fields = {k: v for k, v in values.items() if k != "id"}
        before, after = _write_status(conn, values["id"], fields, changed_by)
        return csv_import.RowChange(values["id"], before, after)

    return csv_import.run_import(engine, text, STATUS_IMPORT, apply, changed_by)


# --- Search -------------------------------------------------------------------------------------------------

# Words that are not part of a cité's own name: dropped from names and queries alike.
_FILLER = frozenset(
    "cite cites quartier quartiers residence la le les l de des du d au aux a en ma mon notre dans sur".split()
)
MAX_SUGGESTIONS = 3
SUGGEST_FROM = 40  # rapidfuzz ratio, 0-100
PREFIX_FOUND = 0.6  # share of a name typed for its start to count as the name (« declerc » yes, « croix » no)


@dataclass
class SearchResult:
    status: str  # found | ambiguous | not_found
    query: str
    match: Optional[str] = None  # exact | contained | prefix | partial | close | commune
    cites: list[Cite] = field(default_factory=list)
    suggestions: list[Cite] = field(default_factory=list)
    commune: Optional[Commune] = None  # a commune the query names
    cites_de_la_commune: list[Cite] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "query": self.query,
            "match": self.match,
            "cites": [c.as_dict() for c in self.cites],
            "suggestions": [c.summary() for c in self.suggestions],
            "commune": {"insee": self.commune.insee, "nom": self.commune.nom} if self.commune else None,
            "cites_de_la_commune": [c.summary() for c in self.cites_de_la_commune],
        }


def name_key(text: str) -> tuple[str, ...]:
    """« Cité de la Croix-de-Pierre » → ('croix', 'pierre'); « la croisette » → ('croisette',)."""
    return tuple(token for token in normalise(text).split() if token not in _FILLER)


def search(conn: Connection, query: str, index: CommuneIndex) -> SearchResult:
    every = all_cites(conn)
    tokens = normalise(query).split()
    # 1. The name, as typed or inside a sentence (« cite de la croix » is a cité before being the commune Croix).
    kind, hits, used = _strong_match(tokens, every, index)
    if hits:
        commune, _ = _split_commune(index, [t for i, t in enumerate(tokens) if i not in used])
        if commune is not None and not any(c.in_commune(commune.insee) for c in hits):
            return _not_found(query, every, tokens, commune, conn, also=hits)
        if commune is not None:
            hits = [c for c in hits if c.in_commune(commune.insee)]
        return _answer(query, kind, hits, commune)
    # 2. A commune in the query (« … à Méricourt », « … bully », a postal code), then the name among its cités.
    commune, rest = _split_commune(index, tokens)
    if commune is not None:
        local = [c for c in every if c.in_commune(commune.insee)]
        if not name_key(" ".join(rest)):
            # Only a commune: its cités are a question to ask, never an answer, even when there is one.
            status = "ambiguous" if local else "not_found"
            return SearchResult(status, query, "commune", local, commune=commune)
        kind, hits, _ = _strong_match(rest, local, index)
        if not hits:
            kind, hits = _close_match(rest, local, index)
        if hits:
            return _answer(query, kind, hits, commune)
        _, elsewhere = _close_match(rest, every, index)
        return _not_found(query, every, rest, commune, conn, also=elsewhere)
    # 3. A close spelling of one name.
    kind, hits = _close_match(tokens, every, index)
    if hits:
        return _answer(query, kind, hits, None)
    return _not_found(query, every, tokens, None, conn)


def _answer(query: str, kind: Optional[str], hits: list[Cite], commune: Optional[Commune]) -> SearchResult:
    # A name only begun (« croix » for Croix-de-Pierre) is a question, never an answer.
    found = len(hits) == 1 and kind != "partial"
    return SearchResult("found" if found else "ambiguous", query, kind, hits, commune=commune)


def _keys(cite: Cite) -> list[tuple[str, ...]]:
    keys = [name_key(cite.nom)] + [name_key(alias) for alias in cite.autres_noms]
    return [key for key in keys if key]


_CONNECTORS = frozenset({"a", "dans", "sur", "pres", "vers"})
_MARKERS = frozenset({"cite", "cites", "quartier", "quartiers", "residence"})


def _standalone(tokens: list[str], start: int, end: int, index: CommuneIndex) -> bool:
    """Whether tokens[start:end] can be a whole cité name in this query: preceded by nothing or a filler word
    (« la », « cité »), followed by nothing, « à »/« dans », a postal code or a commune. « cité du parc des
    sports » does not name the Cité du Parc."""
    if start > 0 and tokens[start - 1] not in _FILLER:
        return False
    after = tokens[end:]
    if not after or after[0] in _CONNECTORS or (after[0].isdigit() and len(after[0]) == 5):
        return True
    return any(_commune_in(index, after[:size]) is not None for size in range(1, min(5, len(after)) + 1))


def _strong_match(
    tokens: list[str], candidates: list[Cite], index: CommuneIndex
) -> tuple[Optional[str], list[Cite], set[int]]:
    """The exact name, a name standing in the query, or the start of a name (« agach », « croi »)."""
    kept = [(i, t) for i, t in enumerate(tokens) if t not in _FILLER]
    words = tuple(t for _, t in kept)
    if not words:
        return None, [], set()
    exact = [c for c in candidates if words in _keys(c)]
    if exact:
        return "exact", exact, {i for i, _ in kept}
    best: dict[str, tuple[int, set[int], Cite]] = {}
    for cite in candidates:
        for key in _keys(cite):
            for start in range(len(words) - len(key) + 1):
                if words[start : start + len(key)] != key:
                    continue
                first, last = kept[start][0], kept[start + len(key) - 1][0]
                if not _standalone(tokens, first, last + 1, index):
                    continue
                if len(key) > best.get(cite.id, (0, set(), cite))[0]:
                    best[cite.id] = (len(key), {kept[start + j][0] for j in range(len(key))}, cite)
    if best:
        longest = max(size for size, _, _ in best.values())
        chosen = [(used, cite) for size, used, cite in best.values() if size == longest]
        return "contained", [cite for _, cite in chosen], set().union(*(used for used, _ in chosen))
    text = " ".join(words)
    if len(text) >= 4:
        typed: dict[str, tuple[float, Cite]] = {}
        for cite in candidates:
            for key in map(" ".join, _keys(cite)):
                if key.startswith(text):
                    typed[cite.id] = max(typed.get(cite.id, (0.0, cite)), (len(text) / len(key), cite))
        if typed:
            kind = "prefix" if all(share >= PREFIX_FOUND for share, _ in typed.values()) else "partial"
            return kind, [cite for _, cite in typed.values()], {i for i, _ in kept}
    return None, [], set()


def _allowed_edits(key: str) -> int:
    return 0 if len(key) < 6 else 1 if len(key) < 10 else 2


def _phonetic(text: str) -> str:
    """A rough French sound key: « heurtaux » ≈ « heurteau », « darci » ≈ « darcy », « mouchoniere »."""
    for old, new in (("eau", "o"), ("au", "o"), ("ph", "f"), ("y", "i"), ("qu", "k"), ("cq", "k"), ("ck", "k")):
        text = text.replace(old, new)
    collapsed = "".join(c for i, c in enumerate(text) if i == 0 or c != text[i - 1])
    return " ".join(word.rstrip("sx") or word for word in collapsed.split())


def _is_close(words: str, key: str) -> bool:
    return (
        DamerauLevenshtein.distance(words, key) <= _allowed_edits(key)
        or _phonetic(words) == _phonetic(key)
    )


def _close_match(
    tokens: list[str], candidates: list[Cite], index: CommuneIndex
) -> tuple[Optional[str], list[Cite]]:
    """Cités one typo away (two for long names) or sounding the same: the whole query or a name standing in it."""
    kept = [(i, t) for i, t in enumerate(tokens) if t not in _FILLER]
    words = [t for _, t in kept]
    if not words:
        return None, []
    hits = []
    for cite in candidates:
        for key in _keys(cite):
            size = len(key)
            windows = [" ".join(words)] + [
                " ".join(words[i : i + size])
                for i in range(len(words) - size + 1)
                if _standalone(tokens, kept[i][0], kept[i + size - 1][0] + 1, index)
            ]
            if any(_is_close(window, " ".join(key)) for window in windows):
                hits.append(cite)
                break
    return ("close", hits) if hits else (None, [])


def _similarity(tokens: list[str], cite: Cite) -> float:
    words = " ".join(t for t in tokens if t not in _FILLER)
    return max((fuzz.ratio(words, " ".join(key)) for key in _keys(cite)), default=0.0)


def _not_found(
    query: str,
    every: list[Cite],
    tokens: list[str],
    commune: Optional[Commune],
    conn: Connection,
    also: Iterable[Cite] = (),
) -> SearchResult:
    """Nothing presented as found: the closest names as suggestions, and the cités of the commune named."""
    suggestions = list(also)
    ranked = sorted(every, key=lambda c: -_similarity(tokens, c))
    for cite in ranked:
        if len(suggestions) >= MAX_SUGGESTIONS or _similarity(tokens, cite) < SUGGEST_FROM:
            break
        if cite not in suggestions:
            suggestions.append(cite)
    local = in_commune(conn, commune.insee) if commune is not None else []
    return SearchResult("not_found", query, None, [], suggestions[:MAX_SUGGESTIONS], commune, local)


def _split_commune(index: CommuneIndex, tokens: list[str]) -> tuple[Optional[Commune], list[str]]:
    """The commune a query names (postal code, « … à X », or its last words) and the remaining words."""
    for i, token in enumerate(tokens):
        if token.isdigit() and len(token) == 5:
            found = index.resolve(token)
            if found.status == "found":
                return found.communes[0], tokens[:i] + tokens[i + 1 :]
    if "a" in tokens:
        at = len(tokens) - 1 - tokens[::-1].index("a")
        commune = _commune_in(index, tokens[at + 1 :])
        if commune is not None:
            return commune, tokens[:at]
    for size in range(min(5, len(tokens)), 0, -1):
        commune = _commune_in(index, tokens[-size:])
        if commune is not None:
            return commune, tokens[:-size]
    return None, tokens


def _commune_in(index: CommuneIndex, tokens: list[str]) -> Optional[Commune]:
    """The one commune these words name exactly or by their start (« bully » → Bully-les-Mines), else None."""
    if not tokens or all(t in _FILLER for t in tokens):
        return None
    found = index.resolve(" ".join(tokens))
    if found.status == "found" and found.match in ("exact", "prefix", "postal_code"):
        return found.communes[0]
    return None


# --- Rows → objects -----------------------------------------------------------------------------------------


def _iso(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value else None


def _cite(row: Mapping[str, Any], its_communes: list[Commune]) -> Cite:
    return Cite(
        id=row["id"],
        nom=row["nom"],
        autres_noms=tuple(a for a in (row["autres_noms"] or "").split(";") if a),
        communes=tuple(its_communes),
        bailleur=row["bailleur"],
        logements=row["logements"],
        erbm=row["erbm"],
        operation=row["operation"],
        statut=row["statut"],
        dates={name: row[name] for name in STATUS_DATES},
        source_statut=row["source_statut"],
        note_source=row["note_source"],
        source=row["source"],
        source_date=row["source_date"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )
