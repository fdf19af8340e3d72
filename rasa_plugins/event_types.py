"""Rasa's event classes looked up by name once, not at every event read.

Every event Rasa reads from JSON (each event of a conversation when the tracker store rebuilds a tracker, every
event an action returns) goes through `Event.resolve_by_type(type_name)`, which walks the whole tree of `Event`
subclasses (`rasa.shared.utils.common.all_subclasses`, recursive, with an `inspect.isabstract` check of each)
and returns the first class of that name. On this machine the walk costs about 0.1 ms, so rebuilding a tracker of
50 events spent most of its time there (the profile of the Rasa server at 50 users: 3 % of its CPU).

`install()` keeps the class found for each name: the same walk, in the same order, once per name. A name that is
not found is not remembered (Rasa's own fallbacks and errors are kept), and a lookup whose cached class is no
longer the first of the walk cannot happen, since event classes are defined at import, before the server starts.
`rasa_plugins.serve` installs it before the Rasa server starts.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

_found: Dict[str, Any] = {}
_original = None


def install() -> None:
    global _original
    from rasa.shared.core.events import Event

    if _original is not None:
        return
    _original = Event.__dict__["resolve_by_type"].__func__

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
        cls = _found.get(type_name)
        if cls is None:
            cls = _original(type_name, default)
            if cls is not None and cls is not default and getattr(cls, "type_name", None) == type_name:
                _found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)
