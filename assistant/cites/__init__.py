"""Cités minières, one module per concept:
- `records`: what public sources say about each cité (the `cites` table, loaded from data/programme/cites.csv),
  reading them, and the consistency rules of a status;
- `status`: the renovation status kept by staff — updates through the API and CSV imports, with history;
- `search`: a cité by its name as residents type it (found / ambiguous / not_found).

`from assistant import cites` gives all of it, as one name space.
"""
from assistant.cites.records import *  # noqa: F401,F403
from assistant.cites.search import *  # noqa: F401,F403
from assistant.cites.status import *  # noqa: F401,F403
