"""Figures for staff, read from the insight events of a period: a pure function of the events, the vocabulary in
data/insights/insights.fr.yaml, a commune resolver and the clock.

Each conversation is replayed in order. A resident's message is « not understood » when its intent or the answer
that followed says so; it is an unmet need when it is not understood, out of scope, answered « je ne sais pas »,
or understood with a confidence under the threshold outside a form. A message that says « ce n'est pas ma
question », or asks for a person, counts against the answer just before it. Hand-offs are counted when offered
and when a request is recorded, by topic and service. A BUD check starts with its form, finishes with the
verdict, and is abandoned when the form stops without a verdict or the conversation has been silent for
`abandon_after`; it is « en cours » otherwise. Only aggregates leave this module, and the masked texts of the
unmet needs (for grouping and labelling).
"""
from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional
from zoneinfo import ZoneInfo

from assistant.datafiles import cached_yaml

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "data" / "insights" / "insights.fr.yaml"
PARIS = ZoneInfo("Europe/Paris")


def vocabulary(path: Path = VOCABULARY_FILE) -> dict:
    return cached_yaml(path)


def fold(text: str) -> str:
    """Lower case, without accents, typographic apostrophes made straight, spaces collapsed."""
    text = unicodedata.normalize("NFKD", (text or "").lower().replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@dataclass
class Place:
    insee: str
    departement: str
    epci: Optional[str]


@dataclass
class Message:
    id: int
    conversation: str
    at: dt.datetime
    text: Optional[str]
    intent: Optional[str]
    confidence: Optional[float]
    in_form: Optional[str]
    label: Optional[str]
    entities: list
    paused: bool = False
    answers: list = field(default_factory=list)  # response and action names that followed, in order
    replies: list = field(default_factory=list)  # (response name, masked text) of the bot's answers
    not_understood: bool = False
    low_confidence: bool = False
    unmet: bool = False
    complaint: bool = False  # « ce n'est pas ma question » or a request for a person: about the previous answer

    def as_example(self) -> dict:
        return {"id": self.id, "texte": self.text, "intention": self.intent,
                "confiance": None if self.confidence is None else round(self.confidence, 3),
                "etiquette": self.label, "le": self.at.isoformat(timespec="seconds") + "Z"}


@dataclass
class Conversation:
    key: str
    messages: list = field(default_factory=list)
    places: list = field(default_factory=list)  # commune names or codes the conversation mentioned
    handoffs_offered: list = field(default_factory=list)  # [at, topic, service]
    handoffs_created: list = field(default_factory=list)
    checks: list = field(default_factory=list)  # {started, questions, finished, stopped}
    unknown_places: list = field(default_factory=list)  # (at, kind, name)
    complaints: list = field(default_factory=list)  # (at, response name, "pas_ma_question" | "conseiller", text)
    last_at: Optional[dt.datetime] = None


def replay(key: str, rows: Iterable, vocab: dict, low_confidence: float) -> Conversation:
    """One conversation's events (rows of insight_events, in order) read into what the figures need."""
    nu, unmet = vocab["not_understood"], vocab["unmet"]
    not_understood_answers = set(nu["actions"]) | set(nu["responses"])
    unmet_answers = set(unmet["responses"])
    internal = set(vocab["internal_intents"])
    cues = [fold(c) for c in vocab["not_my_question"]]
    person_intents = set(vocab["asked_for_a_person"])
    form_topics, check, handoff = vocab["form_topics"], vocab["bud_check"], vocab["handoff"]
    conv = Conversation(key)
    topic, service, loop, paused = None, None, None, False
    current: Optional[Message] = None
    running: Optional[dict] = None  # the BUD check under way
    ending: Optional[dict] = None  # a check whose form just stopped: the verdict may follow in the same turn

    def settle() -> None:
        nonlocal ending
        if ending is not None:
            ending["stopped"] = not ending["finished"]
            ending = None

    def close(message: Optional[Message]) -> None:
        if message is None or message.paused:
            return
        answers = set(message.answers)
        # In a form, the intent does not matter: the form reads the answer, and says when it could not.
        fallback = message.intent in nu["intents"] and message.in_form is None
        message.not_understood = fallback or bool(answers & not_understood_answers)
        low = (message.confidence is not None and message.confidence < low_confidence and message.in_form is None
               and not (message.text or "").startswith("/"))
        message.low_confidence = low and not message.not_understood and not message.complaint
        out_of_scope = message.intent in unmet["intents"] and message.in_form is None
        message.unmet = not message.complaint and (message.not_understood or out_of_scope
                                                   or bool(answers & unmet_answers) or low)

    for row in rows:
        conv.last_at = row.at
        kind, name = row.kind, row.name
        if kind == "user":
            if name in internal:
                continue
            close(current)
            settle()
            previous = current
            entities = json.loads(row.entities or "[]")
            current = Message(row.id, key, row.at, row.text, name, row.confidence, loop, row.label, entities, paused)
            conv.messages.append(current)
            conv.places += [e.get("value") for e in entities if e.get("entity") in ("commune", "postal_code")]
            if not paused and previous is not None and previous.replies:
                answer, answer_text = previous.replies[0]
                if name in person_intents:
                    conv.complaints.append((row.at, answer, "conseiller", answer_text))
                elif any(cue in fold(row.text or "") for cue in cues):
                    conv.complaints.append((row.at, answer, "pas_ma_question", answer_text))
                    current.complaint = True
        elif kind == "bot":
            if current is not None and name:
                current.answers.append(name)
                current.replies.append((name, row.text))
            if name in vocab["unknown_places"] and current is not None:
                wanted = vocab["unknown_places"][name]
                found = [e.get("value") for e in current.entities if e.get("entity") == wanted]
                conv.unknown_places.append((row.at, wanted, found[0] if found else None))
        elif kind == "action":
            if current is not None and name:
                current.answers.append(name)
            if name == handoff["offer_action"]:
                conv.handoffs_offered.append([row.at, topic_now(topic, loop, form_topics), None])
            if name == check["verdict_action"]:
                for under_way in (running, ending):
                    if under_way is not None:
                        under_way["finished"] = True
        elif kind == "loop":
            if name == check["form"] and running is None:
                running = {"started": row.at, "questions": [], "finished": False, "stopped": False}
                conv.checks.append(running)
            elif name != check["form"] and running is not None:
                ending, running = running, None
            if name in form_topics:
                topic = form_topics[name]
            loop = name
        elif kind == "slot":
            value = json.loads(row.value) if row.value else None
            if name == "topic" and value:
                topic = value
            elif name == handoff["service_slot"]:
                service = value
                if conv.handoffs_offered and conv.handoffs_offered[-1][2] is None:
                    conv.handoffs_offered[-1][2] = value
            elif name == handoff["created_slot"] and value is True:
                conv.handoffs_created.append([row.at, topic_now(topic, loop, form_topics), service])
            elif name == "requested_slot" and running is not None and loop == check["form"] and value:
                if not running["questions"] or running["questions"][-1] != value:
                    running["questions"].append(value)
            if name in vocab["commune_slots"] and isinstance(value, str) and value:
                conv.places.append(value)
        elif kind == "pause":
            paused = True
        elif kind == "resume":
            paused = False
        elif kind in ("session", "restart"):
            close(current)
            current, loop = None, None
            ending, running = ending or running, None
            settle()
            if kind == "restart":
                topic = None
    close(current)
    if ending is not None:
        ending["stopped"] = not ending["finished"]
    return conv


def topic_now(topic: Optional[str], loop: Optional[str], form_topics: dict) -> str:
    if loop in form_topics:
        return form_topics[loop]
    return topic or "autre"


# --- the figures of a period and a territory ------------------------------------------------------------------

def paris_day(at: dt.datetime) -> dt.date:
    return at.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).date()


def in_territory(conv: Conversation, territory: Optional[str], resolve: Callable[[str], Optional[Place]]) -> bool:
    """territory: None (everywhere), « departement:59 », « epci:200042190 » or « commune:62498 »."""
    if not territory:
        return True
    kind, _, code = territory.partition(":")
    for name in conv.places:
        place = resolve(name) if name else None
        if place is None:
            continue
        if (kind == "departement" and place.departement == code) or (kind == "epci" and place.epci == code) or (
                kind == "commune" and place.insee == code):
            return True
    return False


def select(conversations: Iterable[Conversation], territory: Optional[str],
           resolve: Callable[[str], Optional[Place]]) -> list[Conversation]:
    return [c for c in conversations if in_territory(c, territory, resolve)]


def summarise(conversations: list[Conversation], first: dt.date, last: dt.date, now: dt.datetime,
              abandon_after: dt.timedelta, service_names: dict, vocab: dict) -> dict:
    """Aggregates over the days first..last (Paris time, both included) of the conversations given."""
    def inside(at: dt.datetime) -> bool:
        return first <= paris_day(at) <= last

    days = {first + dt.timedelta(days=i): {"conversations": set(), "messages": 0, "non_compris": 0, "besoins": 0}
            for i in range((last - first).days + 1)}
    offered, created = Counter(), Counter()
    offered_by_service, created_by_service = Counter(), Counter()
    checks = {"commencees": 0, "terminees": 0, "abandonnees": 0, "en_cours": 0}
    reached, abandoned_at = Counter(), Counter()
    places = Counter()
    complaints: dict = defaultdict(lambda: {"pas_ma_question": 0, "conseiller": 0, "exemple": None})
    low_confidence = 0
    for conv in conversations:
        for m in conv.messages:
            if m.paused or not inside(m.at):
                continue
            day = days[paris_day(m.at)]
            day["conversations"].add(conv.key)
            day["messages"] += 1
            day["non_compris"] += m.not_understood
            day["besoins"] += m.unmet
            low_confidence += m.low_confidence
        for at, topic, service in conv.handoffs_offered:
            if inside(at):
                offered[topic] += 1
                offered_by_service[service] += 1
        for at, topic, service in conv.handoffs_created:
            if inside(at):
                created[topic] += 1
                created_by_service[service] += 1
        for check in conv.checks:
            if not inside(check["started"]):
                continue
            checks["commencees"] += 1
            for question in dict.fromkeys(check["questions"]):
                reached[question] += 1
            if check["finished"]:
                checks["terminees"] += 1
            elif check["stopped"] or (conv.last_at is not None and now - conv.last_at >= abandon_after):
                checks["abandonnees"] += 1
                abandoned_at[check["questions"][-1] if check["questions"] else None] += 1
            else:
                checks["en_cours"] += 1
        for at, kind, name in conv.unknown_places:
            if inside(at) and name:
                places[(kind, " ".join(str(name).split()))] += 1
        for at, answer, kind, text in conv.complaints:
            if inside(at):
                entry = complaints[answer]
                entry[kind] += 1
                entry["exemple"] = entry["exemple"] or text

    all_conversations = set().union(*(d["conversations"] for d in days.values())) if days else set()
    messages = sum(d["messages"] for d in days.values())
    not_understood = sum(d["non_compris"] for d in days.values())
    questions = vocab["bud_check"]["questions"]
    topics = vocab["topics"]
    funnel = [{"question": q, "libelle": label, "atteinte": reached[q], "abandons": abandoned_at[q]}
              for q, label in questions.items() if reached[q] or abandoned_at[q]]
    return {
        "periode": {"du": first.isoformat(), "au": last.isoformat()},
        "totaux": {
            "conversations": len(all_conversations),
            "messages": messages,
            "non_compris": not_understood,
            "part_non_compris": round(not_understood / messages, 4) if messages else None,
            "besoins_non_satisfaits": sum(d["besoins"] for d in days.values()),
            "faible_confiance": low_confidence,
        },
        "par_jour": [{"jour": day.isoformat(), "conversations": len(d["conversations"]), "messages": d["messages"],
                      "non_compris": d["non_compris"],
                      "part_non_compris": round(d["non_compris"] / d["messages"], 4) if d["messages"] else None}
                     for day, d in sorted(days.items())],
        "transferts": {
            "proposes": sum(offered.values()),
            "demandes": sum(created.values()),
            "par_sujet": [{"sujet": t, "libelle": topics.get(t, t), "proposes": offered[t], "demandes": created[t]}
                          for t in sorted(set(offered) | set(created), key=lambda t: (-created[t], -offered[t], t))],
            "par_service": [{"service": s, "nom": service_names.get(s, "service non trouvé") if s else "aucun service",
                             "proposes": offered_by_service[s], "demandes": created_by_service[s]}
                            for s in sorted(set(offered_by_service) | set(created_by_service),
                                            key=lambda s: (-created_by_service[s], -offered_by_service[s], s or ""))],
        },
        "verifications_bud": {**checks, "etapes": funnel,
                              "abandons_sans_question": abandoned_at[None]},
        "lieux_inconnus": [{"type": kind, "libelle": vocab["place_kinds"].get(kind, kind), "nom": name, "demandes": n}
                           for (kind, name), n in sorted(places.items(), key=lambda i: (-i[1], i[0]))],
        "reponses_contestees": [
            {"reponse": answer, "exemple": e["exemple"], "pas_ma_question": e["pas_ma_question"],
             "demande_conseiller": e["conseiller"], "total": e["pas_ma_question"] + e["conseiller"]}
            for answer, e in sorted(complaints.items(), key=lambda i: (-(i[1]["pas_ma_question"] + i[1]["conseiller"]), i[0]))
        ],
    }


def unmet_messages(conversations: list[Conversation], first: dt.date, last: dt.date) -> list[Message]:
    """The unmet needs of the period whose text is still kept (the raw texts' retention may have erased it)."""
    return [m for c in conversations for m in c.messages
            if m.unmet and m.text and not m.paused and first <= paris_day(m.at) <= last]
