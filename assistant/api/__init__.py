"""HTTP layer of the programme-data service (FastAPI, OpenAPI at /openapi.json, docs at /docs).

The HTTP layer calls the domain modules; the domain never imports it.
"""
from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError

from assistant import settings as settings_module
from assistant.api import bud as bud_api
from assistant.api import cites as cites_api, programme_facts as programme_facts_api
from assistant.api import communes as communes_api
from assistant.api import employment as employment_api
from assistant.api.bounds import Bounds
from assistant.api.errors import database_unavailable, no_unknown_query_parameters, validation_error
from assistant.api.state import AppState
from assistant.catalogue import LOADERS
from assistant.storage import open_database


def create_app(settings: settings_module.Settings | None = None) -> FastAPI:
    settings = settings or settings_module.load()
    engine = open_database(settings.database_url, settings.programme_dir, LOADERS)
    app = FastAPI(
        title="Programme-data service — renouveau du bassin minier",
        version="1.0",
        description="Communes, BUD rules, cités minières, employment services and hand-off, with their sources.",
        dependencies=[Depends(no_unknown_query_parameters)],
    )
    app.state.programme = AppState(engine=engine, settings=settings)

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(DBAPIError, database_unavailable)
    app.add_middleware(Bounds, max_body_bytes=settings.max_body_bytes,
                       request_timeout_seconds=settings.request_timeout_seconds)

    @app.get("/health", tags=["service"])
    def health() -> dict:
        return {"status": "ok"}

    for router in (
        communes_api.router, employment_api.router, bud_api.router, cites_api.router, programme_facts_api.router
    ):
        app.include_router(router)
    return app
