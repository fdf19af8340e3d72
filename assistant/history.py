"""Change history of programme data: who changed which field of which entity, when, from what to what.

Any domain module can use it: a change is keyed by an entity kind (« cite », « structure », …) and the entity's
key, one row per changed field. Values are stored as text (dates in ISO format, booleans as true/false, empty as
NULL) so that one table serves every kind of entity. Changes are written in the caller's transaction: when the
change itself is rolled back, so is its history.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.storage import metadata, utc_iso, utcnow

VIAS = ("api", "import")

changes = sa.Table(
    "change_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity_kind", sa.String(32), nullable=False),
    sa.Column("entity_key", sa.String(120), nullable=False),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("changed_by", sa.String(120), nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("via", sa.String(8), nullable=False),
    sa.Index("ix_change_history_entity", "entity_kind", "entity_key"),
)


@dataclass(frozen=True)
class Change:
    entity_kind: str
    entity_key: str
    field: str
    old_value: Optional[str]
    new_value: Optional[str]
    changed_by: str
    changed_at: dt.datetime
    via: str

    def as_dict(self) -> dict:
        return {
            "entite": self.entity_kind,
            "cle": self.entity_key,
            "champ": self.field,
            "ancienne_valeur": self.old_value,
            "nouvelle_valeur": self.new_value,
            "par": self.changed_by,
            "le": utc_iso(self.changed_at),
            "via": self.via,
        }


def as_text(value: object) -> Optional[str]:
    """The stored form of a value: None and '' → None, dates in ISO format, booleans as true/false."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def record(
    conn: Connection,
    entity_kind: str,
    entity_key: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    changed_by: str,
    via: str,
    changed_at: Optional[dt.datetime] = None,
) -> list[Change]:
    """Record one change per field of `after` whose value differs from `before`; return what was recorded."""
    if via not in VIAS:
        raise ValueError(f"via must be one of {VIAS}, not {via!r}")
    if not changed_by:
        raise ValueError("changed_by is required")
    when = changed_at or utcnow()
    recorded = [
        Change(entity_kind, entity_key, name, as_text(before.get(name)), as_text(value), changed_by, when, via)
        for name, value in after.items()
        if as_text(before.get(name)) != as_text(value)
    ]
    if recorded:
        conn.execute(
            changes.insert(),
            [
                {
                    "entity_kind": c.entity_kind,
                    "entity_key": c.entity_key,
                    "field": c.field,
                    "old_value": c.old_value,
                    "new_value": c.new_value,
                    "changed_by": c.changed_by,
                    "changed_at": c.changed_at,
                    "via": c.via,
                }
                for c in recorded
            ],
        )
    return recorded


def list_changes(
    conn: Connection, entity_kind: str, entity_key: Optional[str] = None, limit: Optional[int] = None
) -> list[Change]:
    """Changes of one entity (or of every entity of a kind), most recent first."""
    query = sa.select(changes).where(changes.c.entity_kind == entity_kind)
    if entity_key is not None:
        query = query.where(changes.c.entity_key == entity_key)
    query = query.order_by(changes.c.changed_at.desc(), changes.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        Change(
            row["entity_kind"],
            row["entity_key"],
            row["field"],
            row["old_value"],
            row["new_value"],
            row["changed_by"],
            row["changed_at"],
            row["via"],
        )
        for row in conn.execute(query).mappings()
    ]
