"""Validated CSV imports of programme data: all lines are right and applied together, or nothing changes.

A domain module declares its file as a `Schema` (columns, each with a parser and the values it allows) and gives
an `apply_row` function that writes one validated row and says what it changed. `run_import` parses every line,
collects every error in French with its line number (« ligne 4 : la colonne statut vaut 'fini', valeurs
possibles : … »), and raises `ImportRejected` without writing anything if there is one; otherwise it applies all
rows in one transaction and records each change in the history (via « import »).

Files may use ',' or ';' as separator (spreadsheets in French export ';'), with or without a UTF-8 BOM.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from sqlalchemy.engine import Connection, Engine

from assistant import history
from assistant.storage import utcnow

Values = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    parse: Callable[[str], Any] = str  # raises ValueError on a bad value
    expected: str = "un texte"  # what a right value looks like, in French, for error messages
    allowed: Optional[tuple[str, ...]] = None


@dataclass(frozen=True)
class RowChange:
    """What `apply_row` changed: the entity key and the fields' values before and after."""

    key: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]


@dataclass(frozen=True)
class Schema:
    entity_kind: str  # the history's entity kind, e.g. « cite »
    columns: tuple[Column, ...]
    key: str  # the column naming the entity; it may appear once per file
    # Checks that need several columns or the database; returns French messages without the line number.
    check_row: Optional[Callable[[Connection, Values], list[str]]] = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"

    def as_dict(self) -> dict:
        return {"ligne": self.line, "erreur": str(self)}


@dataclass
class ParsedRow:
    line: int
    values: Values


@dataclass
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # the columns present in the file


@dataclass
class ImportReport:
    rows: int
    changes: list[history.Change]

    def as_dict(self) -> dict:
        return {
            "lignes": self.rows,
            "modifications": len(self.changes),
            "entites_modifiees": sorted({c.entity_key for c in self.changes}),
            "changements": [c.as_dict() for c in self.changes],
        }


class ImportRejected(Exception):
    def __init__(self, errors: list[LineError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# Parsers shared by schemas: each raises ValueError on a bad value (the message is not shown; `expected` is).
def parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def older_source_date(new: Optional[str], stored: Optional[str]) -> bool:
    """Whether a row's source date is older than the stored one, so that the stored row wins (a newer row wins).

    Dates compare as text at the precision both have (YYYY, YYYY-MM or YYYY-MM-DD); a row without a date is older
    than a dated one, and anything is newer than no stored date.
    """
    if not stored:
        return False
    if not new:
        return True
    size = min(len(new), len(stored))
    return new[:size] < stored[:size]


def parse_int(value: str) -> int:
    number = int(value.replace(" ", "").replace("\u202f", "").replace("\u00a0", ""))
    if number < 0:
        raise ValueError(value)
    return number


def parse(text: str, schema: Schema) -> Parsed:
    """Parse and check every line; the header is line 1. Empty lines are skipped. Nothing is written."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return Parsed(errors=[LineError(1, "le fichier est vide")])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        return Parsed(errors=[LineError(1, f"ligne illisible ({error})")])
    parsed = Parsed(columns=tuple(header))
    parsed.errors.extend(_header_errors(header, schema))
    if parsed.errors:
        return parsed
    columns = {c.name: c for c in schema.columns}
    seen_keys: dict[str, int] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            parsed.errors.append(LineError(start, f"ligne illisible ({error})"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            parsed.errors.append(LineError(start, f"{len(cells)} valeurs au lieu de {len(header)} (une par colonne)"))
            continue
        values: Values = {}
        row_errors: list[str] = []
        for name, raw in zip(header, cells):
            value, error = _parse_cell(columns[name], raw.strip())
            values[name] = value
            if error:
                row_errors.append(error)
        key = values.get(schema.key)
        if key is not None and not row_errors:
            if key in seen_keys:
                row_errors.append(f"{schema.key} {key!r} figure déjà à la ligne {seen_keys[key]}")
            else:
                seen_keys[key] = start
        parsed.errors.extend(LineError(start, message) for message in row_errors)
        if not row_errors:
            parsed.rows.append(ParsedRow(start, values))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(LineError(2, "aucune ligne de données après l'en-tête"))
    return parsed


def run_import(
    engine: Engine,
    text: str,
    schema: Schema,
    apply_row: Callable[[Connection, Values], Optional[RowChange]],
    changed_by: str,
) -> ImportReport:
    """Import a whole file in one transaction, or raise ImportRejected with every error and change nothing."""
    parsed = parse(text, schema)
    with engine.begin() as conn:
        errors = list(parsed.errors)
        if schema.check_row is not None:
            for row in parsed.rows:
                errors.extend(LineError(row.line, message) for message in schema.check_row(conn, row.values))
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: e.line))
        when = utcnow()
        recorded: list[history.Change] = []
        for row in parsed.rows:
            change = apply_row(conn, row.values)
            if change is not None:
                recorded.extend(
                    history.record(
                        conn, schema.entity_kind, change.key, change.before, change.after, changed_by, "import", when
                    )
                )
    return ImportReport(rows=len(parsed.rows), changes=recorded)


def _header_errors(header: list[str], schema: Schema) -> list[LineError]:
    possible = ", ".join(schema.names)
    errors = []
    unknown = [name for name in header if name not in schema.names]
    if unknown:
        errors.append(LineError(1, f"colonne(s) inconnue(s) : {', '.join(unknown)} ; colonnes possibles : {possible}"))
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        errors.append(LineError(1, f"colonne(s) en double : {', '.join(duplicated)}"))
    missing = [c.name for c in schema.columns if c.required and c.name not in header]
    if missing:
        errors.append(LineError(1, f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}"))
    return errors


def _parse_cell(column: Column, raw: str) -> tuple[Any, Optional[str]]:
    """The parsed value of one cell and the error message, if any."""
    if raw == "":
        if column.required:
            return None, f"la colonne {column.name} est vide, elle est obligatoire"
        return None, None
    if column.allowed is not None and raw not in column.allowed:
        return None, f"la colonne {column.name} vaut {raw!r}, valeurs possibles : {', '.join(column.allowed)}"
    try:
        return column.parse(raw), None
    except (ValueError, TypeError):
        return None, f"la colonne {column.name} vaut {raw!r}, attendu : {column.expected}"
