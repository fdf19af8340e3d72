"""The dialogue rules of the forms (data/programme/dialogue/parameters.yaml) over HTTP: the action server reads
which intents are digressions from here, so that no copy of them lives in the actions."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query

from assistant import french, parameters
from assistant.api.state import AppState, get_state

router = APIRouter(prefix="/dialogue", tags=["dialogue"])
PARAMETERS_FILE = "dialogue/parameters.yaml"


@router.get("/parameters", summary="The forms' dialogue rules (digression intents, confidence), dated, with references")
def dialogue_parameters(
    as_of: Optional[dt.date] = Query(None, description="Give each parameter's value on this date; default: today"),
    state: AppState = Depends(get_state),
) -> dict:
    """`forms` gives each form's values in force (`bud_form`, `employment_form`); `parameters` the dated values
    with their references."""
    when = as_of or dt.date.today()
    loaded = parameters.load(state.settings.programme_dir / PARAMETERS_FILE)
    forms: dict[str, dict] = {}
    for path in loaded.items:
        form, name = path.split(".", 1)
        try:
            forms.setdefault(form, {})[name] = parameters.jsonable(loaded.value(path, when))
        except parameters.ParameterNotFound:
            raise HTTPException(status_code=404, detail=f"Aucune règle du dialogue n'est connue à la date du "
                                                        f"{french.date(when)}.") from None
    return {"as_of": when.isoformat(), "forms": forms, **loaded.as_dict(when)}


@router.get("/privacy", summary="How long what residents write is kept, for the assistant to say it")
def privacy(state: AppState = Depends(get_state)) -> dict:
    """`conversation_days`: a conversation is erased this many days after its last message (the Rasa server's
    tracker store, same setting); `handoff_days`: the personal data of a hand-off request, after it was made."""
    return {"conversation_days": state.settings.conversation_retention_days,
            "handoff_days": state.settings.retention_days}
