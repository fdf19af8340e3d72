"""Rules as dated data, OpenFisca style: the one parameter engine of the service, for the BUD and for employment.

A parameters file is a YAML tree whose leaves have a `description` (French, shown to users), `values` keyed by the
date from which each value applies, and `metadata.reference` (the legal text or the programme source). A value is
looked up « as of » a date: the value with the latest start on or before that date. `certainty` (in metadata, or
on one value) says how sure the value is:
  confirmed  — stated by the law or the administration; the default when absent
  secondary  — stated only by secondary sources
  inference  — no source states it; our reading, which the assistant must not present as certain

- `load(path)`: the parameters of a file, read again when the file changes (assistant/datafiles.py).
- `Reader(parameters, when)`: reads values as of a date and remembers which it used, their sources and the
  weakest certainty, so that an answer can say what it rests on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Optional

from assistant.datafiles import cached

# Weakest last: a criterion is as certain as the least certain parameter it used.
CERTAINTIES = ("confirmed", "secondary", "inference")


class ParameterError(ValueError):
    """A parameters file is malformed; the message names the parameter."""


class ParameterNotFound(LookupError):
    """A parameter has no value on the date asked for."""


@dataclass(frozen=True)
class ParameterValue:
    start: dt.date
    value: Any
    certainty: Optional[str]
    note: Optional[str]
    reference: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "value": jsonable(self.value),
            "certainty": self.certainty,
            "note": self.note,
            "reference": list(self.reference),
        }


@dataclass(frozen=True)
class Parameter:
    path: str
    description: str
    values: tuple[ParameterValue, ...]  # by start date
    reference: tuple[str, ...]
    certainty: str
    unit: Optional[str]
    note: Optional[str]

    def at(self, when: dt.date) -> ParameterValue:
        found = None
        for value in self.values:
            if value.start <= when:
                found = value
        if found is None:
            raise ParameterNotFound(f"{self.path} has no value on {when.isoformat()}")
        return found

    def certainty_at(self, when: dt.date) -> str:
        return self.at(when).certainty or self.certainty

    def sources_at(self, when: dt.date) -> list[str]:
        return unique([*self.at(when).reference, *self.reference])

    def as_dict(self, as_of: Optional[dt.date] = None) -> dict:
        current = None
        if as_of is not None:
            try:
                value = self.at(as_of)
                current = {"value": jsonable(value.value), "from": value.start.isoformat(),
                           "certainty": value.certainty or self.certainty}
            except ParameterNotFound:
                current = None
        return {
            "path": self.path,
            "description": self.description,
            "unit": self.unit,
            "certainty": self.certainty,
            "note": self.note,
            "reference": list(self.reference),
            "values": [v.as_dict() for v in self.values],
            "current": current,
        }


class Parameters:
    """All parameters of a file by dotted path (« creation_window.end »)."""

    def __init__(self, items: dict[str, Parameter], metadata: dict):
        self.items = items
        self.metadata = metadata

    def __getitem__(self, path: str) -> Parameter:
        return self.items[path]

    def value(self, path: str, when: dt.date) -> Any:
        return self.items[path].at(when).value

    def as_dict(self, as_of: Optional[dt.date] = None) -> dict:
        return {
            "metadata": jsonable(self.metadata),
            "as_of": as_of.isoformat() if as_of else None,
            "parameters": [p.as_dict(as_of) for p in self.items.values()],
        }


def parse_parameters(data: dict) -> Parameters:
    """Build `Parameters` from the YAML tree; a leaf is a node with `values`. Raises ParameterError."""
    if not isinstance(data, dict):
        raise ParameterError("parameters: the file must be a mapping")
    items: dict[str, Parameter] = {}

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            raise ParameterError(f"{path}: expected a mapping")
        if "values" in node:
            items[path] = _parse_leaf(node, path)
            return
        for key, child in node.items():
            walk(child, f"{path}.{key}" if path else str(key))

    for key, node in data.items():
        if key != "metadata":
            walk(node, str(key))
    return Parameters(items, data.get("metadata") or {})


def _parse_leaf(node: dict, path: str) -> Parameter:
    description = node.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ParameterError(f"{path}: a description is required")
    metadata = node.get("metadata") or {}
    reference = metadata.get("reference")
    if not isinstance(reference, list) or not reference or not all(isinstance(r, str) for r in reference):
        raise ParameterError(f"{path}: metadata.reference must be a non-empty list of texts")
    certainty = metadata.get("certainty", "confirmed")
    if certainty not in CERTAINTIES:
        raise ParameterError(f"{path}: certainty must be one of {', '.join(CERTAINTIES)}")
    raw_values = node["values"]
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterError(f"{path}: values must map start dates to values")
    values = []
    for start, entry in raw_values.items():
        if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
            raise ParameterError(f"{path}: {start!r} is not a date (YYYY-MM-DD)")
        if not isinstance(entry, dict) or "value" not in entry:
            raise ParameterError(f"{path}.{start}: expected {{value: ...}}")
        value_certainty = entry.get("certainty")
        if value_certainty is not None and value_certainty not in CERTAINTIES:
            raise ParameterError(f"{path}.{start}: certainty must be one of {', '.join(CERTAINTIES)}")
        values.append(
            ParameterValue(
                start=start,
                value=entry["value"],
                certainty=value_certainty,
                note=entry.get("note"),
                reference=tuple(entry.get("reference") or ()),
            )
        )
    return Parameter(
        path=path,
        description=description.strip(),
        values=tuple(sorted(values, key=lambda v: v.start)),
        reference=tuple(reference),
        certainty=certainty,
        unit=metadata.get("unit"),
        note=metadata.get("note"),
    )




def load(path: Path) -> Parameters:
    """The parameters of a file, re-read when it changes (staff edit a date and a value, no restart)."""
    return cached(Path(path), parse_parameters)


class Reader:
    """Reads parameters as of a date, remembering the values used, their sources and the weakest certainty."""

    def __init__(self, parameters: Parameters, when: dt.date):
        self.parameters = parameters
        self.when = when
        self.used: dict[str, Any] = {}
        self.sources: list[str] = []
        self.certainty = "confirmed"

    def __call__(self, path: str) -> Any:
        parameter = self.parameters[path]
        self.used[path] = parameter.at(self.when).value
        self.sources = unique([*self.sources, *parameter.sources_at(self.when)])
        self.certainty = weakest(self.certainty, parameter.certainty_at(self.when))
        return self.used[path]


def weakest(a: str, b: str) -> str:
    return a if CERTAINTIES.index(a) >= CERTAINTIES.index(b) else b


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
