"""HTTP layer of the programme-data service (FastAPI, OpenAPI at /openapi.json, docs at /docs).

The HTTP layer calls the domain modules; the domain never imports it.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError

from assistant import settings as settings_module
from assistant.api import bud as bud_api
from assistant.api import cites as cites_api, dialogue as dialogue_api, programme_facts as programme_facts_api
from assistant.api import communes as communes_api
from assistant.api import employment as employment_api
from assistant.api import handoff as handoff_api, officers as officers_api
from assistant.api import insights as insights_api
from assistant.api.bounds import Bounds
from assistant.api.communes import CommuneNotResolved, not_resolved
from assistant.api.errors import (Refused, database_unavailable, describe_problems, no_unknown_query_parameters, refused,
                                  validation_error)
from assistant.api.state import AppState
from assistant.catalogue import LOADERS
from assistant.handoff import relay
from assistant.storage import open_database


def create_app(settings: settings_module.Settings | None = None) -> FastAPI:
    settings = settings or settings_module.load()
    engine = open_database(settings.database_url, settings.programme_dir, LOADERS)
    app = FastAPI(
        title="Programme-data service — renouveau du bassin minier",
        version="1.0",
        description=(
            "Communes, BUD rules, cités minières, employment services and hand-off, with their sources.\n\n"
            "Conventions: a fact of a form keeps its slot's name, so the computations (/bud/eligibility, "
            "/employment/orientation) and their results are English (verdict, criteria, status: the outcome of a "
            "computation or a lookup); every other field is French, as in the data files (nom, statut: a cité's "
            "works status, a_verifier, changements, erreurs). A commune typed in a query (?commune=, commune_query) that names "
            "several communes is a 422 with `commune_resolution` (status ambiguous, the candidates); an unknown "
            "one a 404 (422 in a JSON body) with `commune_resolution` (status not_found, the suggestions). "
            "An unreadable request is a 422 with a French `detail` and one French message per field in `erreurs` "
            "({champ, probleme}); a change the rules refuse is a 422 with a French `detail` and its reasons in `erreurs`."
        ),
        dependencies=[Depends(no_unknown_query_parameters)],
    )
    app.state.programme = AppState(engine=engine, settings=settings)

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(CommuneNotResolved, not_resolved)
    app.add_exception_handler(Refused, refused)
    describe_problems(app)
    app.state.relay = functools.partial(relay.send, settings.rasa_url, settings.assistant_token)
    _purge_regularly(app, engine, settings)
    app.add_exception_handler(DBAPIError, database_unavailable)
    app.add_middleware(Bounds, max_body_bytes=settings.max_body_bytes,
                       request_timeout_seconds=settings.request_timeout_seconds)

    @app.get("/health", tags=["service"])
    def health() -> dict:
        return {"status": "ok"}

    _console(app)
    for router in (
        communes_api.router, employment_api.router, bud_api.router, cites_api.router, programme_facts_api.router,
        dialogue_api.router, handoff_api.router, officers_api.router, insights_api.router,
    ):
        app.include_router(router)
    return app


CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
CHART_JS = Path(__file__).resolve().parent.parent.parent / "web" / "node_modules" / "chart.js" / "dist" / "chart.umd.js"
CONSOLE_HEADERS = {
    # Everything from this origin, nothing inline, no frames: the console holds personal data.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _console(app: FastAPI) -> None:
    """The officer console (static files, French) at /console, with strict security headers on it and on the
    officer API."""

    @app.middleware("http")
    async def console_headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith(("/console", "/officer", "/insights")):
            for name, value in CONSOLE_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    @app.get("/console", include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=307)

    @app.get("/console/lib/chart.umd.js", include_in_schema=False)
    def chart_library() -> FileResponse:
        """Chart.js from web/node_modules (npm ci in scripts/setup.sh): served from this origin, as the CSP wants."""
        if not CHART_JS.is_file():
            raise HTTPException(status_code=404, detail="Chart.js absent : lancez scripts/setup.sh (npm ci).")
        return FileResponse(CHART_JS, media_type="text/javascript")

    app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")


def _purge_regularly(app: FastAPI, engine, settings: settings_module.Settings) -> None:
    """Erase personal data past the retention period at start-up, then every `purge_interval` seconds."""
    import asyncio

    from assistant.handoff import queue
    from assistant.insights import store as insights_store

    import time

    def purge_once() -> None:
        with engine.begin() as conn:
            queue.purge(conn, settings.retention_days)
        with engine.begin() as conn:
            insights_store.purge_texts(conn, settings.insights_text_retention_days)

    def expire_live() -> None:
        with engine.begin() as conn:
            waiting_too_long = queue.expire_live(conn, settings.live_timeout_seconds)
        for conversation_id in waiting_too_long:  # after the commit: the request is a call-back request now
            app.state.relay(conversation_id, "timeout", None)

    async def loop() -> None:
        last_purge = 0.0
        while True:
            try:
                if time.monotonic() - last_purge >= settings.purge_interval_seconds or not last_purge:
                    await asyncio.to_thread(purge_once)
                    last_purge = time.monotonic()
                await asyncio.to_thread(expire_live)
            except Exception as error:  # a locked database must not stop the loop; nothing personal logged
                logging.getLogger(__name__).warning("hand-off housekeeping failed: %s", type(error).__name__)
            await asyncio.sleep(min(5, settings.purge_interval_seconds))

    @app.on_event("startup")
    async def start_purging() -> None:
        app.state.purge_task = asyncio.create_task(loop())

    @app.on_event("shutdown")
    async def stop_purging() -> None:
        task = getattr(app.state, "purge_task", None)
        if task is not None:
            task.cancel()
