"""What the HTTP handlers share: the database engine and in-memory indexes rebuilt when data change."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy.engine import Engine

from assistant.communes import CommuneIndex
from assistant.settings import Settings


@dataclass
class AppState:
    engine: Engine
    settings: Settings
    _communes: CommuneIndex | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def communes(self) -> CommuneIndex:
        with self._lock:
            if self._communes is None:
                with self.engine.connect() as conn:
                    self._communes = CommuneIndex.from_connection(conn)
            return self._communes

    def communes_changed(self) -> None:
        with self._lock:
            self._communes = None


def get_state(request: Request) -> AppState:
    return request.app.state.programme
