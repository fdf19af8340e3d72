"""The audit log of the hand-off queue: who read or changed which request, when. Never any personal data: a row
names the actor (an officer's login, « assistant », « resident », « system », « staff »), the action, the request's
internal id and its service; `detail` is a short code (a state, a count), never what a person wrote."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.storage import metadata, utc_iso, utcnow

ACTIONS = (
    "create", "list", "read", "take", "release", "message", "called_back", "close", "withdraw", "correct_contact",
    "purge",
    "login", "login_failed", "logout", "transcript_read",
    # staff insights: reading the unmet needs (masked texts of residents), labelling one, exporting the labelled ones
    "insights_read", "insights_label", "insights_export",
)

audit = sa.Table(
    "handoff_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("request_id", sa.Integer),
    sa.Column("service_id", sa.String(80)),
    sa.Column("detail", sa.String(200)),
    sa.Index("ix_handoff_audit_service", "service_id", "at"),
)


def record(
    conn: Connection,
    actor: str,
    action: str,
    request_id: Optional[int] = None,
    service_id: Optional[str] = None,
    detail: Optional[str] = None,
    at: Optional[dt.datetime] = None,
) -> None:
    assert action in ACTIONS, action
    conn.execute(
        audit.insert().values(
            at=at or utcnow(), actor=actor[:100], action=action, request_id=request_id, service_id=service_id,
            detail=(detail or None) and detail[:200],
        )
    )


def entries(conn: Connection, service_id: Optional[str] = None, request_id: Optional[int] = None, limit: int = 200) -> list[dict]:
    query = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    if service_id is not None:
        query = query.where(audit.c.service_id == service_id)
    if request_id is not None:
        query = query.where(audit.c.request_id == request_id)
    return [
        {
            "le": utc_iso(row.at),
            "par": row.actor,
            "action": row.action,
            "demande": row.request_id,
            "service": row.service_id,
            "detail": row.detail,
        }
        for row in conn.execute(query)
    ]
