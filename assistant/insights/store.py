"""What the insights keep: the events the Rasa server's broker sends (already masked there), staff's labels, and
the purge of raw texts.

One row per event of a conversation: a resident's message (masked text, intent, confidence, entities), a bot
answer (response name, masked text), an action, a form starting or stopping, a few slots. Conversations are
known only by a pseudonym. Texts older than the retention period are erased, except those staff labelled (they
become training data); the rest of the row stays for the figures.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.storage import metadata, utcnow

KINDS = ("user", "bot", "action", "loop", "slot", "session", "restart", "pause", "resume")
OUT_OF_SCOPE = "hors_sujet"

events = sa.Table(
    "insight_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(32), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("name", sa.String(120)),  # intent, response, action, form or slot name
    sa.Column("value", sa.String(200)),  # a slot's value, as JSON
    sa.Column("confidence", sa.Float),
    sa.Column("text", sa.Text),  # masked; erased after the retention period
    sa.Column("entities", sa.Text),  # JSON list of {entity, value}, masked
    sa.Column("label", sa.String(80)),  # the intent staff gave this message, or « hors_sujet »
    sa.Column("labelled_by", sa.String(80)),
    sa.Column("labelled_at", sa.DateTime),
    sa.Column("text_erased_at", sa.DateTime),
)


class LabelError(ValueError):
    """A label staff cannot give; the message is French."""


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(seconds), dt.timezone.utc).replace(tzinfo=None)


def ingest(conn: Connection, records: Iterable[dict]) -> int:
    rows = []
    for r in records:
        value = r.get("value")
        rows.append({
            "conversation": r["conversation"],
            "at": _at(r["at"]),
            "kind": r["type"],
            "name": r.get("name") if r["type"] != "user" else r.get("intent"),
            "value": json.dumps(value, ensure_ascii=False)[:200] if r["type"] == "slot" else None,
            "confidence": r.get("confidence"),
            "text": r.get("text"),
            "entities": json.dumps(r.get("entities") or [], ensure_ascii=False) if r["type"] == "user" else None,
        })
    if rows:
        conn.execute(events.insert(), rows)
    return len(rows)


def conversations_events(conn: Connection, start: dt.datetime, end: dt.datetime) -> list:
    """Every event, in order, of the conversations that had an event in [start, end)."""
    active = sa.select(events.c.conversation).where(events.c.at >= start, events.c.at < end).distinct()
    query = sa.select(events).where(events.c.conversation.in_(active)).order_by(events.c.conversation, events.c.id)
    return list(conn.execute(query))


def label(conn: Connection, event_id: int, intent: Optional[str], allowed: set[str], who: str) -> dict:
    """Give a resident's message the intent it should have had (or « hors_sujet »); None removes the label."""
    row = conn.execute(sa.select(events).where(events.c.id == event_id, events.c.kind == "user")).first()
    if row is None:
        raise LookupError(event_id)
    if intent is not None and intent not in allowed:
        raise LabelError(f"intention inconnue : {intent!r}")
    if intent is not None and not row.text:
        raise LabelError("le texte de ce message a été effacé (durée de conservation dépassée)")
    conn.execute(events.update().where(events.c.id == event_id).values(
        label=intent, labelled_by=who if intent else None, labelled_at=utcnow() if intent else None))
    return {"id": event_id, "texte": row.text, "intention": intent}


def labelled(conn: Connection) -> list:
    query = (sa.select(events.c.id, events.c.text, events.c.label)
             .where(events.c.label.is_not(None), events.c.text.is_not(None)).order_by(events.c.label, events.c.id))
    return list(conn.execute(query))


def purge_texts(conn: Connection, retention_days: int, now: Optional[dt.datetime] = None) -> int:
    """Erase the texts of events older than `retention_days`, except labelled messages."""
    now = now or utcnow()
    limit = now - dt.timedelta(days=retention_days)
    done = conn.execute(
        events.update()
        .where(events.c.at < limit, events.c.text_erased_at.is_(None), events.c.label.is_(None))
        .values(text=None, text_erased_at=now)
    )
    return done.rowcount or 0
