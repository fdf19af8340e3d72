"""Cités minières: where the renovation of a cité stands, and which cités a commune has, from the programme data.

The programme-data service decides what a name means (found / ambiguous / not_found, GET /cites/search) and holds
every fact and status; these actions only pick the cité the user means and put the service's answer into the
domain's responses. Everything the user reads is in the domain (`utter_cite_*`, `utter_cites_commune_*`); an
answer about one cité is one message, built from the domain's line templates filled with the cité's data.
"""
from __future__ import annotations

import re

import datetime as dt
import logging
from typing import Any, Iterable, Optional

from babel.dates import format_date
from babel.lists import format_list
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.places import guess_events, resolve_place, say_resolution_problem, typed_text
from actions.programme_client import ServiceUnavailable, client
from actions.words import only_of

logger = logging.getLogger(__name__)

LOCALE = "fr_FR"
TOPIC = "cites"
CANDIDATES_SLOT = "cite_candidates"  # a cité name of several communes: [{id, communes}] until the commune is said
MAX_BUTTONS = 6
MAX_LISTED = 12  # cités of one commune listed by name (Bruay-la-Buissière has 20): then « … et 8 autres »
MAX_NAME_LENGTH = 60  # pieces of one cité name put back together, never a whole sentence
# A cité's number going on after the digits the NLU kept (« 12 » of « cite 12-14 », « 9 » of « 9/9 bis »)
_NUMBER_GOES_ON = re.compile(r"\s*[-/]\s*\d+(?:\s*(?:bis|ter)\b)?|\s*(?:bis|ter)\b", re.IGNORECASE)
# The status dates, in the order they are told, and the line that tells each.
DATE_LINES = {
    "debut_travaux_prevu": "utter_cite_line_debut_travaux_prevu",
    "fin_travaux_prevue": "utter_cite_line_fin_travaux_prevue",
    "debut_travaux_reel": "utter_cite_line_debut_travaux_reel",
    "fin_travaux_reelle": "utter_cite_line_fin_travaux_reelle",
}

# Every domain response these actions use; a test checks that the domain defines each of them.
RESPONSES = (
    "utter_ask_cite",
    "utter_cite_line_name",
    "utter_cite_line_name_no_commune",
    "utter_cite_line_bailleur",
    "utter_cite_line_bailleur_unknown",
    "utter_cite_line_logements",
    "utter_cite_line_operation",
    "utter_cite_line_erbm",
    "utter_cite_line_not_erbm",
    "utter_cite_line_erbm_unknown",
    "utter_cite_line_type",
    "utter_cite_line_type_only",
    "utter_cite_line_erbm_list",
    "utter_cite_line_not_in_erbm_list",
    "utter_cite_line_unesco_property",
    "utter_cite_line_unesco_buffer",
    "utter_cite_line_unesco_buffer_partly",
    "utter_cite_line_unesco_none",
    "utter_cite_line_monument_inscrit",
    "utter_cite_line_monument_classe",
    "utter_cite_commune_landlords",
    "utter_cite_which_number",
    "utter_cites_commune_more",
    "utter_cite_line_status",
    *DATE_LINES.values(),
    "utter_cite_line_status_source",
    "utter_cite_line_status_unknown",
    "utter_cite_line_source",
    "utter_cite_line_source_undated",
    "utter_cite_line_updated",
    "utter_cite_offer_handoff",
    "utter_cite_button_handoff",
    "utter_cite_ambiguous",
    "utter_cite_did_you_mean",
    "utter_cite_which_in_commune",
    "utter_cite_not_found",
    "utter_cite_not_found_at",
    "utter_cite_suggestions",
    "utter_cite_commune_cites",
    "utter_cite_commune_no_cites",
    "utter_cite_missing",
    "utter_cites_commune_header_one",
    "utter_cites_commune_header",
    "utter_cites_commune_line",
    "utter_cites_commune_unknown_statuses",
    "utter_cites_commune_choose",
    "utter_cites_commune_none",
)


# --- French presentation of dates and lists (Babel), and the domain's templates ------------------------------


def french_date(value: Optional[str]) -> Optional[str]:
    """« 2026-03-16 » → « 16 mars 2026 », « 2023-11 » → « novembre 2023 », « 2018 » → « 2018 »; also ISO datetimes."""
    if not value:
        return None
    text = value.rstrip("Z")
    try:
        if len(text) == 4:
            return str(int(text))
        if len(text) == 7:
            return format_date(dt.date.fromisoformat(text + "-01"), "MMMM y", locale=LOCALE)
        day = dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        logger.warning("not a date: %r", value)
        return value
    shown = format_date(day, format="long", locale=LOCALE)
    return "1er" + shown[1:] if day.day == 1 else shown  # « 1er mars 2026 »


def french_list(items: Iterable[str]) -> str:
    """« Wallers, Haveluy et Raismes »."""
    items = list(items)
    return format_list(items, locale=LOCALE) if items else ""


def _template(domain: dict, name: str) -> Optional[str]:
    variants = (domain.get("responses") or {}).get(name) or []
    text = variants[0].get("text") if variants else None
    if text is None:
        logger.error("domain response %s is missing: a line of the answer is left out", name)
    return text


class Message:
    """One message built from the domain's line templates, with optional buttons, and optionally a question of
    the domain sent after it with those buttons (so that a typed « oui » can answer that very question)."""

    def __init__(self, domain: dict):
        self.domain = domain
        self.lines: list[str] = []
        self.buttons: list[dict[str, Any]] = []
        self.question: Optional[str] = None

    def add(self, response: str, **values: Any) -> "Message":
        text = _template(self.domain, response)
        if text is not None:
            self.lines.append(text.format_map({k: "" if v is None else v for k, v in values.items()}))
        return self

    def ask(self, response: str, button: dict[str, Any]) -> "Message":
        self.question = response
        self.buttons.append(button)
        return self

    def send(self, dispatcher: CollectingDispatcher) -> None:
        buttons = self.buttons[:MAX_BUTTONS] or None
        if self.lines:
            dispatcher.utter_message(text="\n".join(self.lines), buttons=None if self.question else buttons)
        if self.question:
            dispatcher.utter_message(response=self.question, buttons=buttons)


def cite_button(cite: dict) -> dict[str, Any]:
    """A button that asks about this very cité (by its id: names are not unique). `cite` is a whole cité or the
    service's summary of one (communes as names)."""
    communes = [c["nom"] if isinstance(c, dict) else c for c in cite.get("communes") or ()]
    title = f"{cite['nom']} ({', '.join(communes)})" if communes else cite["nom"]
    return {"title": title, "payload": '/ask_cite_status{"cite_id": "%s"}' % cite["id"].replace('"', "")}


def _handoff_button(domain: dict) -> dict[str, Any]:
    return {"title": _template(domain, "utter_cite_button_handoff") or "?", "payload": "/ask_human"}


# --- One cité ------------------------------------------------------------------------------------------------


def describe(cite: dict, domain: dict) -> Message:
    """The answer about one cité: where, who, how many homes, which operation, its status and where that comes from."""
    message = Message(domain)
    communes = [c["nom"] for c in cite["communes"]]
    epci = [e["nom"] for e in cite["epci"]]
    if communes:
        message.add("utter_cite_line_name", nom=cite["nom"], communes=french_list(communes), epci=french_list(epci))
    else:
        message.add("utter_cite_line_name_no_commune", nom=cite["nom"])
    if cite.get("bailleur"):
        message.add("utter_cite_line_bailleur", bailleur=cite["bailleur"])
    else:
        message.add("utter_cite_line_bailleur_unknown")
    if cite.get("type") and cite.get("compagnie"):
        message.add("utter_cite_line_type", type=cite["type"][:1].lower() + cite["type"][1:], compagnie=cite["compagnie"])
    elif cite.get("type"):
        message.add("utter_cite_line_type_only", type=cite["type"][:1].lower() + cite["type"][1:])
    if cite.get("logements"):
        message.add("utter_cite_line_logements", logements=cite["logements"])
    in_list = cite.get("erbm_liste_mission_bassin_minier")
    if cite.get("operation"):
        message.add("utter_cite_line_operation", operation=cite["operation"]["libelle"])
    elif in_list:
        message.add("utter_cite_line_erbm_list")
    elif cite.get("erbm") is True:
        message.add("utter_cite_line_erbm")
    elif cite.get("erbm") is False:
        message.add("utter_cite_line_not_erbm")
    elif in_list is False:
        message.add("utter_cite_line_not_in_erbm_list")
    else:
        message.add("utter_cite_line_erbm_unknown")
    heritage = cite.get("patrimoine_mondial") or {}
    if heritage.get("bien_inscrit"):
        message.add("utter_cite_line_unesco_property")
    elif heritage.get("zone_tampon") == "oui":
        message.add("utter_cite_line_unesco_buffer")
    elif heritage.get("zone_tampon") == "en_partie":
        message.add("utter_cite_line_unesco_buffer_partly")
    elif heritage.get("bien_inscrit") is False and in_list is not None:
        message.add("utter_cite_line_unesco_none")
    if heritage.get("monument_historique") == "classé":
        message.add("utter_cite_line_monument_classe")
    elif heritage.get("monument_historique") == "inscrit":
        message.add("utter_cite_line_monument_inscrit")

    _status_lines(cite, message)
    _source_line(cite, message)
    _updated_line(cite, message)
    if not cite["statut"]["connu"]:
        message.ask("utter_cite_offer_handoff", _handoff_button(domain))
    return message


def _status_lines(cite: dict, message: Message) -> None:
    status = cite["statut"]
    if status["connu"]:
        label = status["libelle"]
        message.add("utter_cite_line_status", statut=label[:1].lower() + label[1:])
        for name, line in DATE_LINES.items():
            if status.get(name):
                message.add(line, date=french_date(status[name]))
        if status.get("source"):
            message.add("utter_cite_line_status_source", source=status["source"])
    else:
        message.add("utter_cite_line_status_unknown")


def _updated_line(cite: dict, message: Message) -> None:
    update = cite["mise_a_jour"]
    message.add("utter_cite_line_updated", date=french_date(update["le"]), par=update["par"])


def _source_line(cite: dict, message: Message) -> None:
    source = cite["source"]
    shown_date = french_date(source.get("date"))
    if shown_date and source["date"][:4] not in source["nom"]:
        message.add("utter_cite_line_source", source=source["nom"], date=shown_date)
    else:
        message.add("utter_cite_line_source_undated", source=source["nom"])


def _de_nom(cite: dict) -> str:
    """« de la cité des Genettes », as the service writes the name after « de »."""
    return cite.get("de_nom") or f"de {cite['nom']}"


def describe_landlord(cite: dict, domain: dict) -> Message:
    """« Et c'est qui le bailleur ? » right after a cité's card: that line of the card, not the whole card again.
    When the sources do not name the landlord, the general answer says whom to ask."""
    message = Message(domain)
    if cite.get("bailleur"):
        message.add("utter_cite_landlord", de_nom=_de_nom(cite), bailleur=cite["bailleur"])
        _source_line(cite, message)
    else:
        message.add("utter_cite_landlord_unknown", de_nom=_de_nom(cite))
        message.add("utter_faq/landlords")
    return message


def describe_status(cite: dict, domain: dict) -> Message:
    """« C'est prévu pour quand la fin ? » right after a cité's card: the state of its works and their dates as the
    card gives them (often unknown, said so), not the dates of the whole programme."""
    message = Message(domain)
    message.add("utter_cite_status_of", nom_avec_article=cite.get("nom_avec_article") or cite["nom"])
    _status_lines(cite, message)
    _updated_line(cite, message)
    if not cite["statut"]["connu"]:
        message.ask("utter_cite_offer_handoff", _handoff_button(domain))
    return message


# The general answers (faq, `cite_follow_ups` of the service's dialogue rules) that have a part of the cité's card
# to give instead; a follow-up not listed here gets the whole card.
FOLLOW_UP_PARTS = {"landlords": describe_landlord, "what_is_erbm": describe_status}


def _entity_values(tracker: Tracker, entity: str, outside: str = "") -> list[str]:
    """The values of an entity in the last message, once each; with `outside`, only those whose text does not
    overlap that other entity (« la Croisette à Méricourt »: Croisette is also a commune's name, but here it is
    the cité's)."""
    found = tracker.latest_message.get("entities") or []
    spans = [(e["start"], e["end"]) for e in found if e.get("entity") == outside and "start" in e and "end" in e]
    values = []
    for e in found:
        value = e.get("value")
        if e.get("entity") != entity or not isinstance(value, str) or not value.strip():
            continue
        if "start" in e and "end" in e and any(e["start"] < end and start < e["end"] for start, end in spans):
            continue
        if value.strip() not in values:
            values.append(value.strip())
    return values


async def _cite_names(tracker: Tracker) -> list[str]:
    """The cité names of the last message. When the NLU cut one name in pieces (« [cite de](cite) la
    [croix](cite) »), the words from the first piece to the last come first. A name made only of the dialogue
    rules' generic words names nothing: « la cite elle est renovee ? », read « cite elle » by the CRF."""
    generic = (await client.form_rules("cites")).get("generic_words") or []
    names = [name for name in _entity_values(tracker, "cite") if not only_of(name, generic)]
    text = tracker.latest_message.get("text") or ""
    spans = [(e["start"], e["end"]) for e in tracker.latest_message.get("entities") or []
             if e.get("entity") == "cite" and "start" in e and "end" in e]
    if len(spans) > 1:
        whole = text[min(s for s, _ in spans) : max(e for _, e in spans)].strip()
        if whole and len(whole) <= MAX_NAME_LENGTH and whole not in names and not only_of(whole, generic):
            names.insert(0, whole)
    return names


async def cite_by_id(cite_id: str) -> Optional[dict]:
    return await client.find(f"/cites/{cite_id}")  # None: the cité is no longer in the programme data


class ActionCiteStatus(Action):
    """« Où en est la rénovation de la cité Agache ? »: the cité the user means, then everything known about it.

    Which cité: a button's id, else the `cite` entities (with a `commune` entity if any), else the whole message,
    else the cité of the previous answer (« et c'est qui le bailleur ? »). Only the service decides found /
    ambiguous / not_found; a name that is not found is said so, with the closest names as suggestions only.
    """

    def name(self) -> str:
        return "action_cite_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        events: list = [SlotSet("topic", TOPIC)]
        try:
            cite, result = await self._find(tracker)
            events.append(SlotSet(CANDIDATES_SLOT, None))
            if cite is not None:
                describe(cite, domain).send(dispatcher)
                return events + [SlotSet("cite_id", cite["id"])]
            if result is None:
                # Built from the domain's text like every cité line (not `response=`), so that the dialogue tests
                # of main stay green while the cités domain is staged.
                Message(domain).add("utter_ask_cite").send(dispatcher)
                return events
            if result["status"] == "ambiguous":
                self._ask_which(result, domain).send(dispatcher)
                # « Dans quelle commune ? » after « la cité n°9 », or the commune typed instead of a button after
                # « Cité des Provinces (Bruay-la-Buissière) | (Lens) »: the commune picks among them
                if any(c.get("communes") for c in result["cites"]):
                    events.append(SlotSet(CANDIDATES_SLOT, [{"id": c["id"], "communes": [x["insee"] for x in c["communes"]]}
                                                            for c in result["cites"]]))
            else:
                self._not_found(result, domain).send(dispatcher)
            # Another cité was asked about: a later « et les travaux ? » must not fall back to the previous one.
            events.append(SlotSet("cite_id", None))
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
        return events

    async def _find(self, tracker: Tracker) -> tuple[Optional[dict], Optional[dict]]:
        """(the cité, None) when one is found; (None, the search result to explain) otherwise; (None, None) when
        the message names no cité and none was talked about before."""
        for cite_id in _entity_values(tracker, "cite_id"):
            cite = await cite_by_id(cite_id)
            if cite is not None:
                return cite, None
        names = await _cite_names(tracker)
        communes = _entity_values(tracker, "commune", outside="cite")
        named: Optional[dict] = None
        text = tracker.latest_message.get("text") or ""
        for name in names:
            where = f" à {communes[0]}" if communes else ""
            # What follows the name in the message: the service reads on when the name stopped at a number that
            # counts something (« cité des 3 » of « cité des 3 Cailloux »).
            at = text.lower().find(name.lower())
            suite = text[at + len(name):] if at >= 0 else ""
            goes_on = _NUMBER_GOES_ON.match(suite) if name[-1:].isdigit() else None
            if goes_on:  # « cite 12-14 » cut at « 12 » by the tokenizer: it was answered with the Cité n°12
                name, suite = name + goes_on.group(), suite[goes_on.end():]
            result = await client.get("/cites/search", q=(name + where)[:200], suite=suite[:500])
            if result["match"] in ("commune", "no_name"):
                # the piece the NLU kept (« cité » of « la cité 12 à Lens », « ma cité minière ») names no cité: the
                # whole text will
                continue
            if result["status"] == "found":
                return result["cites"][0], None
            if result["status"] == "ambiguous":
                return None, result
            read = result["query"][: len(result["query"]) - len(where)] if where and result["query"].endswith(where) \
                else result["query"]
            named = named or {**result, "name": read}
        if typed_text(tracker):
            result = await client.get("/cites/search", q=text[:200])
            if result["status"] == "found":
                cite = result["cites"][0]
                where = (named or {}).get("commune")
                if where and not any(c.get("insee") == where["insee"] for c in cite.get("communes") or []):
                    return None, named  # « la cité des 120 à Lens »: not known at Lens, and Anzin's is not it
                return cite, None
            if named is None and result["status"] == "ambiguous":
                return None, result
            if named is None and result["commune"] is not None:
                return None, result  # « … à Douai »: not found there, and the cités of Douai
        if named is not None:
            return None, named
        remembered = tracker.get_slot("cite_id")
        if remembered:
            cite = await cite_by_id(remembered)
            if cite is not None:
                return cite, None
        return None, None

    @staticmethod
    def _ask_which(result: dict, domain: dict) -> Message:
        message = Message(domain)
        if result["match"] == "commune":
            message.add("utter_cite_which_in_commune", commune=result["commune"]["nom"])
        elif result["match"] == "number" and len(result["cites"]) > 1:
            message.add("utter_cite_which_number", query=result["query"])
        elif len(result["cites"]) == 1:
            message.add("utter_cite_did_you_mean", nom=result["cites"][0]["nom"])
        else:
            message.add("utter_cite_ambiguous", query=result["query"])
        message.buttons = [cite_button(c) for c in result["cites"]]
        return message

    @staticmethod
    def _not_found(result: dict, domain: dict) -> Message:
        message = Message(domain)
        commune = result["commune"]["nom"] if result["commune"] else None
        if result["match"] == "commune":
            message.add("utter_cite_commune_no_cites", commune=commune)
            message.add("utter_cite_missing")
            return message
        local = result["cites_de_la_commune"]
        name = result.get("name")  # the cité's name as the user typed it, when the NLU found one
        if not name and commune:
            # A sentence about a commune whose other words name no cité the NLU saw (« … à Douai ? »): its cités
            # are a question to ask; the service's suggestions for those other words would only be noise.
            if local:
                message.add("utter_cite_which_in_commune", commune=commune)
            else:
                message.add("utter_cite_commune_no_cites", commune=commune)
            message.add("utter_cite_missing")
            message.buttons = [cite_button(c) for c in local]
            return message
        if commune:
            message.add("utter_cite_not_found_at", query=name or result["query"], commune=commune)
        else:
            message.add("utter_cite_not_found", query=name or result["query"])
        if commune and local:
            message.add("utter_cite_commune_cites", commune=commune,
                        cites=french_list(c["nom"] for c in local[:MAX_LISTED]))
            if len(local) > MAX_LISTED:
                message.add("utter_cites_commune_more", count=len(local) - MAX_LISTED)
            if result.get("bailleurs_de_la_commune"):
                # « sont chez Maisons & Cités » only when the sources give every one's landlord
                every = all(c.get("bailleur") for c in result.get("cites_de_la_commune") or [])
                message.add("utter_cite_commune_landlords" if every else "utter_cite_commune_landlords_some",
                            commune=commune, bailleurs=french_list(result["bailleurs_de_la_commune"]))
        elif commune:
            message.add("utter_cite_commune_no_cites", commune=commune)
        suggestions = [s for s in result["suggestions"] if s["id"] not in {c["id"] for c in local}]
        if suggestions:
            message.add("utter_cite_suggestions", suggestions=french_list(_with_communes(s) for s in suggestions))
        message.add("utter_cite_missing")
        message.buttons = [cite_button(c) for c in [*local, *suggestions]]
        return message


def _with_communes(summary: dict) -> str:
    return cite_button(summary)["title"]


# --- The cités of a commune ----------------------------------------------------------------------------------


class ActionCitesCommune(Action):
    """« Il y a quelles cités en travaux à Douai ? »: the commune (as for BUD), then its cités with their status."""

    def name(self) -> str:
        return "action_cites_commune"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        events: list = [SlotSet("topic", TOPIC)]
        try:
            resolution = await resolve_place(tracker, client)
            if resolution is None:
                dispatcher.utter_message(response="utter_ask_commune")
                return events
            if resolution["status"] == "guess":  # « les cités de harne » is asked back, never answered
                return guess_events(resolution, TOPIC)
            if say_resolution_problem(dispatcher, resolution, question="ask_cites_commune"):
                return events
            candidates = tracker.get_slot(CANDIDATES_SLOT) or []
            events.append(SlotSet(CANDIDATES_SLOT, None))
            there = [c["id"] for c in candidates if len(resolution["communes"]) == 1
                     and resolution["communes"][0]["insee"] in c.get("communes", [])]
            cite = await cite_by_id(there[0]) if len(there) == 1 else None
            if cite is not None:  # « la cité n°9 » — « Dans quelle commune ? » — « à Lens »: not every cité of Lens
                describe(cite, domain).send(dispatcher)
                return events + [SlotSet("cite_id", cite["id"])]
            return events + await self.say_cites_of(dispatcher, resolution, domain)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return events

    @classmethod
    async def say_cites_of(cls, dispatcher: CollectingDispatcher, resolution: dict, domain: dict) -> list:
        """The cités of each commune of a resolution, with their status. Raises ServiceUnavailable."""
        communes = resolution["communes"]
        if len(communes) > 1:
            dispatcher.utter_message(response="utter_postal_code_several", postal_code=resolution["query"])
        for commune in communes:
            listing = await client.get("/cites", insee=commune["insee"])
            cls._listing(commune["nom"], listing["cites"], domain).send(dispatcher)
        # the conversation is now about these cités, not a cité whose card was given before
        return [SlotSet("commune", communes[0]["nom"] if len(communes) == 1 else None), SlotSet("cite_id", None)]

    @staticmethod
    def _listing(commune: str, cites: list[dict], domain: dict) -> Message:
        message = Message(domain)
        if not cites:
            return message.add("utter_cites_commune_none", commune=commune)
        if len(cites) == 1:
            message.add("utter_cites_commune_header_one", commune=commune)
        else:
            message.add("utter_cites_commune_header", commune=commune, count=len(cites))
        for cite in cites[:MAX_LISTED]:
            label = cite["statut"]["libelle"]
            message.add("utter_cites_commune_line", nom=cite["nom"], statut=label[:1].lower() + label[1:])
        if len(cites) > MAX_LISTED:
            message.add("utter_cites_commune_more", count=len(cites) - MAX_LISTED)
        if any(not cite["statut"]["connu"] for cite in cites):
            message.add("utter_cites_commune_unknown_statuses")
        message.add("utter_cites_commune_choose")
        message.buttons = [cite_button(c) for c in cites]
        return message


async def say_landlords_of_commune(dispatcher: CollectingDispatcher, commune: str) -> bool:
    """« et c'est qui le bailleur là-bas ? » after the list of a commune's cités: the landlords of those cités, as the
    sources give them. False when the service cannot say (the general answer is given instead)."""
    try:
        cites = (await client.get("/cites", commune=commune))["cites"]
    except (ServiceUnavailable, KeyError):
        return False
    # « Maisons & Cités et SIA Habitat » is two landlords, each named once in the list
    landlords = sorted({name.strip() for c in cites if c.get("bailleur") for name in re.split(r"\s+et\s+", c["bailleur"])})
    if not landlords:
        return False
    unknown = sum(1 for c in cites if not c.get("bailleur"))
    if unknown:
        dispatcher.utter_message(response="utter_cites_commune_landlords_some", commune=commune,
                                 bailleurs=french_list(landlords), known=len(cites) - unknown, total=len(cites))
    else:
        dispatcher.utter_message(response="utter_cites_commune_landlords_all", commune=commune,
                                 bailleurs=french_list(landlords))
    dispatcher.utter_message(response="utter_cites_commune_landlords_which")
    return True
