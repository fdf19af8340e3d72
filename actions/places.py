"""Which place the user means: entities of the last message, then the sentence itself, then the last place."""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.programme_client import ProgrammeClient


def _entity_values(tracker: Tracker, entity: str) -> list[str]:
    values = []
    for value in tracker.get_latest_entity_values(entity):
        if isinstance(value, str) and value.strip() and value not in values:
            values.append(value.strip())
    return values


async def resolve_place(tracker: Tracker, client: ProgrammeClient, remember: bool = True) -> Optional[dict]:
    """The service's resolution of the place the user names, or None when no place is named at all.

    With `remember`, a message that names no place falls back to the last place of the conversation.

    Raises ServiceUnavailable when the programme-data service cannot answer.
    """
    text = tracker.latest_message.get("text") or ""
    queries = _entity_values(tracker, "postal_code") + _entity_values(tracker, "commune")
    best = None
    for query in queries:
        resolution = await client.resolve_commune(query)
        if resolution["status"] != "not_found":
            return resolution
        best = best or resolution
    if text and not text.startswith("/"):
        in_text = await client.communes_in_text(text)
        if in_text["status"] != "not_found":
            return in_text
    if best is not None:
        return best
    remembered = tracker.get_slot("commune") if remember else None
    if remembered:
        return await client.resolve_commune(remembered)
    return None


def say_resolution_problem(dispatcher: CollectingDispatcher, resolution: dict) -> bool:
    """Tell the user when the place is ambiguous or unknown. Returns True when it did (nothing more to say)."""
    query = resolution["query"]
    if resolution["status"] == "ambiguous" and resolution["match"] != "postal_code":
        names = [c["nom"] for c in resolution["communes"]]
        # A homonym, or a name that begins another offered (« Loos », « Loos-en-Gohelle »), carries its
        # department: the button then names one commune.
        homonyms = {name for name in names if names.count(name) > 1
                    or any(other.lower().startswith(name.lower() + "-") for other in names)}
        dispatcher.utter_message(
            response="utter_commune_ambiguous",
            query=query,
            buttons=[
                _place_button(f"{c['nom']} ({c['departement']})" if c["nom"] in homonyms else c["nom"])
                for c in resolution["communes"]
            ],
        )
        return True
    if resolution["status"] == "not_found":
        if resolution["match"] == "postal_code":
            dispatcher.utter_message(response="utter_postal_code_not_found", postal_code=query)
        elif resolution["suggestions"]:
            names = resolution["suggestions"][:5]
            dispatcher.utter_message(
                response="utter_commune_suggestions",
                query=query,
                suggestions=" ; ".join(names),
                buttons=[_place_button(name) for name in names],
            )
        else:
            dispatcher.utter_message(response="utter_commune_not_found", query=query)
        return True
    if resolution["match"] == "fuzzy":
        dispatcher.utter_message(response="utter_commune_understood", commune=resolution["communes"][0]["nom"])
    return False


def _place_button(name: str) -> dict[str, Any]:
    return {"title": name, "payload": '/inform_place{"commune": "%s"}' % name.replace('"', "")}
