"""The hand-off queue: requests that a resident agreed to send to a human officer, and their state machine.

    bot ──create──▶ pending ──take──▶ with_officer ──close──▶ closed ──▶ bot
                       ▲  └──────────────close / withdraw──────────▶│
                       └──release──┘

A request is created only with the resident's consent, and only a name and one contact (e-mail or phone) are
kept, with what the bot already knew (topic, commune, slots, the eligibility verdict) and, with consent, the
transcript. Its reference is random (not guessable, not sequential) and its withdrawal secret is given only to
the resident (only a hash is stored). Personal data are erased at withdrawal, and for every request
`retention_days` after it was made (`purge`). Every read and change goes to the audit log; nothing personal is
ever logged.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.handoff import audit, hours
from assistant.handoff.routing import Decision
from assistant.storage import metadata, utc_iso, utcnow

STATES = ("pending", "with_officer", "closed")
MODES = ("callback", "live")
OUTCOMES = ("answered", "called_back", "withdrawn", "unreachable")
# action → (states it may start from, state it leads to)
TRANSITIONS = {
    "take": ({"pending"}, "with_officer"),
    "release": ({"with_officer"}, "pending"),
    "close": ({"pending", "with_officer"}, "closed"),
    "withdraw": ({"pending", "with_officer"}, "closed"),
}
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud and typed without mistakes
REFERENCE = re.compile(r"^BM-[%s]{4}-[%s]{4}$" % (ALPHABET, ALPHABET))
SECRET_LENGTH = 10  # ≈ 49 bits
MAX_TRANSCRIPT = 200
MAX_TEXT = 2000
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
PHONE_DIGITS = re.compile(r"^(?:0[1-9]\d{8}|\+33[1-9]\d{8})$")

requests_table = sa.Table(
    "handoff_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64)),
    sa.Column("service_id", sa.String(80), sa.ForeignKey("handoff_services.id"), nullable=False),
    sa.Column("topic", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("territoire", sa.String(200), nullable=False),
    sa.Column("commune_insee", sa.String(5)),
    sa.Column("commune_nom", sa.String(80)),
    sa.Column("cite_id", sa.String(80)),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("outcome", sa.String(16)),
    # Personal data and conversation content: erased at withdrawal and by the retention purge.
    sa.Column("nom", sa.String(120)),
    sa.Column("contact", sa.String(200)),
    sa.Column("contact_kind", sa.String(8)),
    sa.Column("conversation_id", sa.String(128)),
    sa.Column("summary", sa.Text),  # JSON: what the bot knew (slots, verdict)
    sa.Column("transcript", sa.Text),  # JSON list of {who, text}
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expected_by", sa.DateTime, nullable=False),
    sa.Column("taken_at", sa.DateTime),
    sa.Column("taken_by", sa.String(80)),
    sa.Column("called_back_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("purged_at", sa.DateTime),
    sa.Index("ix_handoff_requests_queue", "service_id", "status"),
    sa.Index("ix_handoff_requests_conversation", "conversation_id"),
)

messages_table = sa.Table(
    "handoff_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.Integer, sa.ForeignKey("handoff_requests.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String(10), nullable=False),  # officer | resident
    sa.Column("text", sa.Text, nullable=False),
)


class RequestError(ValueError):
    """A request that cannot be made or a change the state machine refuses; the message is French."""


class NotFound(LookupError):
    pass


@dataclass
class Created:
    reference: str
    secret: str
    request: dict
    expected_local: str  # ISO, Europe/Paris


def normalise_contact(value: str) -> tuple[str, str]:
    """An e-mail address or a French phone number, cleaned; raises RequestError otherwise."""
    text = (value or "").strip()
    if "@" in text:
        if len(text) > 200 or not EMAIL.match(text):
            raise RequestError("adresse e-mail invalide")
        return text, "email"
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("0033"):
        digits = "+33" + digits[4:]
    if not PHONE_DIGITS.match(digits):
        raise RequestError("numéro de téléphone invalide : 10 chiffres, par exemple 06 12 34 56 78")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2)), "phone"


def _code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _secret() -> str:
    """A withdrawal code with at least one digit, drawn again until it has one (one draw in 22 has none): typed in
    lower case without its dash, « nzhbjkhqwg » could not be told from a word (« transmette »), « nzhbj4hqwg » can
    (actions/handoff.py reads it so). Uniform over such codes: ≈ 49 bits still."""
    while True:
        secret = _code(SECRET_LENGTH)
        if any(c.isdigit() for c in secret):
            return secret


def _hash_secret(reference: str, secret: str) -> str:
    return hmac.new(reference.encode(), secret.strip().upper().replace(" ", "").replace("-", "").encode(), hashlib.sha256).hexdigest()


def create(
    conn: Connection,
    decision: Decision,
    *,
    nom: str,
    contact: str,
    conversation_id: Optional[str],
    commune_insee: Optional[str],
    commune_nom: Optional[str],
    cite_id: Optional[str],
    summary: dict,
    transcript: list[dict],
    mode: str = "callback",
    now: Optional[dt.datetime] = None,
) -> Created:
    """Record a request in the caller's transaction (the caller answers only after the commit)."""
    name = " ".join((nom or "").split())
    if not name or len(name) > 120:
        raise RequestError("nom vide ou trop long (120 caractères au plus)")
    clean_contact, kind = normalise_contact(contact)
    if mode not in MODES:
        raise RequestError(f"mode inconnu ; possibles : {', '.join(MODES)}")
    now = now or utcnow()
    service = decision.service
    expected = hours.expected_answer(now.replace(tzinfo=dt.timezone.utc), service.horaires_traitement, service.delai_heures_ouvrees)
    lines = [
        {"who": "resident" if t.get("who") == "resident" else "bot", "text": str(t.get("text", ""))[:MAX_TEXT]}
        for t in transcript[-MAX_TRANSCRIPT:]
    ]
    secret = _secret()
    for _ in range(5):  # 30^8 references: a collision is astronomically rare, but never fatal
        reference = f"BM-{_code(4)}-{_code(4)}"
        if conn.execute(sa.select(requests_table.c.id).where(requests_table.c.reference == reference)).first() is None:
            break
    result = conn.execute(
        requests_table.insert().values(
            reference=reference,
            secret_hash=_hash_secret(reference, secret),
            service_id=service.id,
            topic=decision.topic,
            reason=decision.reason,
            territoire=decision.matched,
            commune_insee=commune_insee,
            commune_nom=commune_nom,
            cite_id=cite_id,
            mode=mode,
            status="pending",
            nom=name,
            contact=clean_contact,
            contact_kind=kind,
            conversation_id=conversation_id,
            summary=json.dumps(summary, ensure_ascii=False)[:20000],
            transcript=json.dumps(lines, ensure_ascii=False),
            created_at=now,
            expected_by=expected.astimezone(dt.timezone.utc).replace(tzinfo=None),
        )
    )
    request_id = result.inserted_primary_key[0]
    audit.record(conn, "assistant", "create", request_id, service.id, detail=f"{decision.topic}/{mode}", at=now)
    return Created(reference, _group(secret), _row_dict(_get(conn, request_id), full=False), expected.isoformat(timespec="minutes"))


def _group(secret: str) -> str:
    return f"{secret[:5]}-{secret[5:]}"


def _get(conn: Connection, request_id: int):
    return conn.execute(sa.select(requests_table).where(requests_table.c.id == request_id)).first()


def _by_reference(conn: Connection, reference: str):
    reference = (reference or "").strip().upper()
    if not REFERENCE.match(reference):
        return None
    return conn.execute(sa.select(requests_table).where(requests_table.c.reference == reference)).first()


def _row_dict(row, full: bool) -> dict:
    """A request as the API shows it; personal data and conversation content only when `full` (its officer)."""
    out: dict[str, Any] = {
        "reference": row.reference,
        "service": row.service_id,
        "topic": row.topic,
        "raison": row.reason,
        "territoire": row.territoire,
        "commune": {"insee": row.commune_insee, "nom": row.commune_nom} if row.commune_insee else None,
        "cite": row.cite_id,
        "mode": row.mode,
        "statut": row.status,
        "issue": row.outcome,
        "cree_le": utc_iso(row.created_at),
        "reponse_attendue_le": utc_iso(row.expected_by),
        "pris_le": utc_iso(row.taken_at),
        "pris_par": row.taken_by,
        "rappele_le": utc_iso(row.called_back_at),
        "clos_le": utc_iso(row.closed_at),
        "donnees_effacees_le": utc_iso(row.purged_at),
    }
    if full:
        out.update(
            {
                "nom": row.nom,
                "contact": row.contact,
                "type_contact": row.contact_kind,
                "resume": json.loads(row.summary) if row.summary else None,
                "transcription": json.loads(row.transcript) if row.transcript else None,
            }
        )
    return out


def queue(conn: Connection, service_id: str, actor: str, include_closed: bool = False) -> list[dict]:
    query = sa.select(requests_table).where(requests_table.c.service_id == service_id)
    if not include_closed:
        query = query.where(requests_table.c.status != "closed")
    rows = conn.execute(query.order_by(requests_table.c.created_at)).fetchall()
    audit.record(conn, actor, "list", service_id=service_id, detail=f"{len(rows)} demande(s)")
    return [_row_dict(row, full=False) for row in rows]


def read(conn: Connection, reference: str, service_id: str, actor: str) -> dict:
    """One request of the officer's own service (another service's request is « not found »)."""
    row = _own(conn, reference, service_id)
    audit.record(conn, actor, "read", row.id, row.service_id)
    out = _row_dict(row, full=True)
    out["messages"] = messages(conn, row.id)
    return out


def request_audit(conn: Connection, reference: str, service_id: str) -> list[dict]:
    row = _own(conn, reference, service_id)
    return audit.entries(conn, service_id, request_id=row.id)


def _own(conn: Connection, reference: str, service_id: str):
    row = _by_reference(conn, reference)
    if row is None or row.service_id != service_id:
        raise NotFound(reference)
    return row


def transition(conn: Connection, reference: str, service_id: str, action: str, actor: str, officer: str,
               outcome: Optional[str] = None, now: Optional[dt.datetime] = None) -> dict:
    """Take, release or close a request of the officer's own service, if the state machine allows it."""
    row = _own(conn, reference, service_id)
    allowed, target = TRANSITIONS[action]
    if row.status not in allowed:
        raise RequestError(f"action « {action} » impossible : la demande est « {row.status} »")
    if row.status == "with_officer" and row.taken_by != officer and action in ("release", "close"):
        raise RequestError("cette demande est suivie par un autre agent")
    now = now or utcnow()
    values: dict[str, Any] = {"status": target}
    if action == "take":
        values.update(taken_at=now, taken_by=officer)
    elif action == "release":
        values.update(taken_at=None, taken_by=None)
    elif action == "close":
        if outcome not in ("answered", "called_back", "unreachable"):
            outcome = "called_back" if row.called_back_at else "answered"
        values.update(closed_at=now, outcome=outcome)
    # The state is checked again in the UPDATE: two officers taking the same request cannot both succeed.
    updated = conn.execute(
        requests_table.update()
        .where(requests_table.c.id == row.id, requests_table.c.status == row.status)
        .values(**values)
    )
    if updated.rowcount != 1:
        raise RequestError("la demande vient de changer : rechargez-la")
    audit.record(conn, actor, action, row.id, row.service_id, detail=f"{row.status}->{target}", at=now)
    return _row_dict(_get(conn, row.id), full=True)


def mark_called_back(conn: Connection, reference: str, service_id: str, actor: str, officer: str) -> dict:
    row = _own(conn, reference, service_id)
    if row.status != "with_officer" or row.taken_by != officer:
        raise RequestError("prenez d'abord la demande pour indiquer que vous avez rappelé la personne")
    now = utcnow()
    conn.execute(requests_table.update().where(requests_table.c.id == row.id).values(called_back_at=now))
    audit.record(conn, actor, "called_back", row.id, row.service_id, at=now)
    return _row_dict(_get(conn, row.id), full=True)


def _with_secret(conn: Connection, reference: str, secret: str):
    """The request whose secret is given, or None for an unknown reference, a wrong secret and a withdrawn request
    (its secret is erased) alike: nothing tells which, and the time taken is the same."""
    row = _by_reference(conn, reference)
    expected = row.secret_hash if row is not None and row.secret_hash else _hash_secret("BM-XXXX-XXXX", "none")
    given = _hash_secret(row.reference if row is not None else "BM-XXXX-XXXX", secret or "")
    if row is None or not row.secret_hash or not hmac.compare_digest(expected, given):
        return None
    return row


def resident_status(conn: Connection, reference: str, secret: str, now: Optional[dt.datetime] = None) -> Optional[dict]:
    """Where a request stands, for the resident who holds its secret (« on me rappelle quand ? »): its status, the
    moment an answer is due (Europe/Paris) and when it was taken, called back or closed. Nothing personal and
    nothing of the officer. None as for `_with_secret`."""
    row = _with_secret(conn, reference, secret)
    if row is None:
        return None
    due = row.expected_by.replace(tzinfo=dt.timezone.utc).astimezone(hours.PARIS)
    return {
        "reference": row.reference,
        "service": row.service_id,
        "mode": row.mode,
        "statut": row.status,
        "issue": row.outcome,
        "cree_le": utc_iso(row.created_at),
        "reponse_attendue_le": utc_iso(row.expected_by),
        "reponse_attendue_locale": due.isoformat(timespec="minutes"),
        "en_retard": row.status == "pending" and (now or utcnow()) > row.expected_by,
        "pris_le": utc_iso(row.taken_at),
        "rappele_le": utc_iso(row.called_back_at),
        "clos_le": utc_iso(row.closed_at),
    }


def withdraw(conn: Connection, reference: str, secret: str, now: Optional[dt.datetime] = None) -> bool:
    """The resident withdraws a request with its secret: it is closed and its personal data erased at once.
    False for an unknown reference or a wrong secret alike (nothing tells which)."""
    row = _with_secret(conn, reference, secret)
    if row is None:
        return False
    now = now or utcnow()
    values: dict[str, Any] = {**_ERASED, "purged_at": now}
    if row.status != "closed":
        values.update(status="closed", outcome="withdrawn", closed_at=now)
    conn.execute(requests_table.update().where(requests_table.c.id == row.id).values(**values))
    conn.execute(messages_table.delete().where(messages_table.c.request_id == row.id))
    audit.record(conn, "resident", "withdraw", row.id, row.service_id, detail=f"{row.status}->closed", at=now)
    return True


def correct_contact(conn: Connection, reference: str, secret: str, contact: str,
                    now: Optional[dt.datetime] = None) -> Optional[str]:
    """The resident corrects the contact of their open request with its secret (« je me suis trompé de numéro »):
    the contact as stored, or None for an unknown reference, a wrong secret or a closed request (nothing tells
    which). Raises RequestError for a contact that is neither an e-mail address nor a French phone number."""
    value, kind = normalise_contact(contact)
    row = _with_secret(conn, reference, secret)
    if row is None or row.status == "closed":
        return None
    conn.execute(requests_table.update().where(requests_table.c.id == row.id).values(contact=value, contact_kind=kind))
    audit.record(conn, "resident", "correct_contact", row.id, row.service_id, detail=kind, at=now or utcnow())
    return value


_ERASED = {"nom": None, "contact": None, "contact_kind": None, "conversation_id": None, "summary": None,
           "transcript": None, "secret_hash": None}


def purge(conn: Connection, retention_days: int, now: Optional[dt.datetime] = None) -> int:
    """Erase the personal data and conversation content of every request made more than `retention_days` ago.
    The request itself stays (topic, commune, service, dates) for the programme's statistics."""
    now = now or utcnow()
    limit = now - dt.timedelta(days=retention_days)
    rows = conn.execute(
        sa.select(requests_table.c.id, requests_table.c.service_id)
        .where(requests_table.c.created_at < limit, requests_table.c.purged_at.is_(None))
    ).fetchall()
    for row in rows:
        conn.execute(requests_table.update().where(requests_table.c.id == row.id).values(**_ERASED, purged_at=now))
        conn.execute(messages_table.delete().where(messages_table.c.request_id == row.id))
        audit.record(conn, "system", "purge", row.id, row.service_id, detail=f"retention {retention_days} j", at=now)
    return len(rows)


def messages(conn: Connection, request_id: int) -> list[dict]:
    rows = conn.execute(
        sa.select(messages_table).where(messages_table.c.request_id == request_id).order_by(messages_table.c.id)
    )
    return [{"id": r.id, "le": utc_iso(r.at), "auteur": r.author, "texte": r.text} for r in rows]


# --- live transfer over web chat -------------------------------------------------------------------------------


def live_request_for(conn: Connection, conversation_id: str):
    """The open live request of a conversation (pending or with an officer), or None."""
    if not conversation_id:
        return None
    return conn.execute(
        sa.select(requests_table)
        .where(requests_table.c.conversation_id == conversation_id, requests_table.c.mode == "live",
               requests_table.c.status != "closed")
        .order_by(requests_table.c.id.desc())
    ).first()


def add_message(conn: Connection, row, author: str, text: str, actor: str) -> dict:
    text = (text or "").strip()
    if not text:
        raise RequestError("message vide")
    now = utcnow()
    result = conn.execute(messages_table.insert().values(request_id=row.id, at=now, author=author, text=text[:MAX_TEXT]))
    audit.record(conn, actor, "message", row.id, row.service_id, detail=author, at=now)
    return {"id": result.inserted_primary_key[0], "le": utc_iso(now), "auteur": author, "texte": text[:MAX_TEXT]}


def officer_message(conn: Connection, reference: str, service_id: str, actor: str, officer: str, text: str) -> tuple[str, dict]:
    """An officer's message in a live conversation they hold: (conversation id, the stored message)."""
    row = _own(conn, reference, service_id)
    if row.mode != "live" or row.status != "with_officer" or row.taken_by != officer or not row.conversation_id:
        raise RequestError("on ne peut écrire en direct que dans une conversation en direct que vous avez prise")
    return row.conversation_id, add_message(conn, row, "officer", text, actor)


def live_conversation(conn: Connection, reference: str, service_id: str) -> Optional[str]:
    """The web chat session of a live request (never shown to anyone: it gives access to the chat)."""
    row = _own(conn, reference, service_id)
    return row.conversation_id if row.mode == "live" else None


def resident_message(conn: Connection, conversation_id: str, text: str) -> Optional[dict]:
    """A resident's message while their conversation is with an officer (or waiting for one); None otherwise."""
    row = live_request_for(conn, conversation_id)
    if row is None:
        return None
    return add_message(conn, row, "resident", text, "assistant")


def expire_live(conn: Connection, timeout_seconds: int, now: Optional[dt.datetime] = None) -> list[str]:
    """Live requests nobody took within the time-out become call-back requests: the conversations to tell."""
    now = now or utcnow()
    rows = conn.execute(
        sa.select(requests_table.c.id, requests_table.c.service_id, requests_table.c.conversation_id)
        .where(requests_table.c.mode == "live", requests_table.c.status == "pending",
               requests_table.c.created_at < now - dt.timedelta(seconds=timeout_seconds))
    ).fetchall()
    for row in rows:
        conn.execute(requests_table.update().where(requests_table.c.id == row.id).values(mode="callback"))
        audit.record(conn, "system", "release", row.id, row.service_id, detail="live->callback (délai dépassé)", at=now)
    return [row.conversation_id for row in rows if row.conversation_id]


def messages_after(conn: Connection, reference: str, service_id: str, after: int, actor: str) -> list[dict]:
    """The live messages of a request of the officer's service newer than `after` (audited when there are some)."""
    row = _own(conn, reference, service_id)
    rows = conn.execute(
        sa.select(messages_table)
        .where(messages_table.c.request_id == row.id, messages_table.c.id > after)
        .order_by(messages_table.c.id)
    ).fetchall()
    if rows:
        audit.record(conn, actor, "read", row.id, row.service_id, detail=f"{len(rows)} message(s)")
    return [{"id": r.id, "le": utc_iso(r.at), "auteur": r.author, "texte": r.text} for r in rows]
