"""Client of the programme-data service, for the actions.

Blocking `requests` calls run in a worker thread (`asyncio.to_thread`), so one slow answer never stalls the
action server's event loop. Each call has a short timeout and a bounded retry (`actions/settings.py`); when the
service cannot answer, `ServiceUnavailable` is raised and the action tells the user so. Where a 404 is an answer
(a cité asked for by its id is no longer in the programme data), `find` returns None instead; anywhere else a 4xx
is a bug on our side, and to the user the same as a service that does not answer.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Optional

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from actions import settings

FORM_RULES_SECONDS = 60.0  # the forms' dialogue rules are read again after this long (staff may change them)
TIMEOUT_SECONDS = settings.PROGRAMME_TIMEOUT_SECONDS
RETRY = Retry(
    total=settings.PROGRAMME_RETRIES,
    connect=settings.PROGRAMME_RETRIES,
    read=1,
    status=settings.PROGRAMME_RETRIES,
    backoff_factor=0.2,
    status_forcelist=(502, 503, 504),
    allowed_methods=None,
    raise_on_status=False,
)


class ServiceUnavailable(Exception):
    """The programme-data service did not answer, or not with the JSON its API documents."""


class NotFound(ServiceUnavailable):
    """The service answered 404 (`find` turns it into None)."""


class Refused(ServiceUnavailable):
    """The service answered 422: the values sent do not go together (five residents out of four employees)."""


class ProgrammeClient:
    def __init__(self, base_url: Optional[str] = None):
        self.base_url = (base_url or settings.programme_url()).rstrip("/")
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=RETRY))
        self.session.mount("https://", HTTPAdapter(max_retries=RETRY))
        self._form_rules: tuple[float, dict] = (0.0, {})

    async def get(self, path: str, **params: Any) -> Any:
        return await asyncio.to_thread(self._request, "GET", path, params=params)

    async def find(self, path: str, **params: Any) -> Optional[Any]:
        """GET a resource that may not exist: None when the service answers 404."""
        try:
            return await self.get(path, **params)
        except NotFound:
            return None

    async def post(self, path: str, payload: dict, headers: Optional[dict] = None) -> Any:
        return await asyncio.to_thread(self._request, "POST", path, json=payload, headers=headers)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.session.request(method, self.base_url + path, timeout=TIMEOUT_SECONDS, **kwargs)
        except requests.RequestException as error:
            raise ServiceUnavailable(str(error)) from error
        if response.status_code == 404:
            raise NotFound(f"{method} {path}")
        if response.status_code == 422:
            raise Refused(f"{method} {path}: HTTP 422")
        if response.status_code >= 400:
            # Any other 4xx here is a bug on our side (the actions send what the API documents), not the user's doing:
            # to the user it is the same as a service that does not answer.
            raise ServiceUnavailable(f"{method} {path}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise ServiceUnavailable(f"{method} {path}: not JSON") from error

    # Dialogue rules of the forms (GET /dialogue/parameters): which intents are digressions, from what confidence

    async def form_rules(self, form: str) -> dict:
        """The dialogue rules in force for one form (`bud_form`, `employment_form`) or for the programme answers
        (`faq`), kept for FORM_RULES_SECONDS; while the service cannot be reached, the rules last read stay in force
        (a « stop » is still read as one), and ServiceUnavailable is raised only when none were ever read."""
        read_at, forms = self._form_rules
        if not forms or time.monotonic() - read_at > FORM_RULES_SECONDS:
            try:
                forms = (await self.get("/dialogue/parameters"))["forms"]
            except ServiceUnavailable:
                if not forms:
                    raise
            else:
                self._form_rules = (time.monotonic(), forms)
        return forms[form]

    # Communes

    async def resolve_commune(self, query: str) -> dict:
        return await self.get("/communes/resolve", q=query[:200])

    async def communes_in_text(self, text: str) -> dict:
        return await self.get("/communes/in-text", text=text[:500])

    async def guess_commune(self, text: str) -> dict:
        return await self.get("/communes/guess", text=text[:500])


client = ProgrammeClient()
