"""BUD eligibility — « bassins urbains à dynamiser », article 44 sexdecies of the CGI — as rules over dated data.

One module per concept:
- `assistant.parameters`: the dated parameters engine (OpenFisca style), shared with employment; the BUD's are in
  data/programme/bud/parameters.yaml.
- `facts`: what the user told us (`Facts`), what the communes table says (`CommuneBud`), the order of questions.
- `criteria`: `evaluate(facts, parameters, today) -> Verdict`, a pure function: every criterion met / not_met /
  unknown / not_applicable with a reason code, the parameter values it used and their sources.
- `calendar`: the exemption calendar with real dates, the de minimis ceiling, the law's month arithmetic.
- `estimate`: an estimate of the corporate tax saved.
- `verdict`: the result classes, data only (no French).
- `texts`: the French templates of data/programme/bud/explanations.fr.yaml; `render_verdict(verdict, texts)` words
  a verdict with them.

`from assistant import bud` gives all of it, as one name space.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from assistant import parameters as _parameters
from assistant.bud.calendar import de_minimis, end_of_month_after, exemption_calendar, months_covered
from assistant.bud.criteria import evaluate, month_needed
from assistant.bud.estimate import estimate_tax_saved
from assistant.bud.facts import (ACTIVITIES, COMMUNE_CERTAINTIES, FACT_ORDER, ORIGINS, PRECISIONS, CommuneBud, Facts,
                                 as_given, facts_problems, partial_date)
from assistant.bud.texts import Texts, french_number, render_verdict
from assistant.bud.verdict import (DISCLAIMER, STATUSES, VERDICTS, Calendar, Criterion, DeMinimis, Estimate,
                                   EstimatePeriod, LocalTaxYear, ProfitPeriod, Verdict)
from assistant.datafiles import cached
from assistant.parameters import (CERTAINTIES, Parameter, ParameterError, ParameterNotFound, Parameters,
                                  ParameterValue, parse_parameters)
from assistant.settings import PROGRAMME_DIR

BUD_DIR = PROGRAMME_DIR / "bud"
PARAMETERS_FILE = "parameters.yaml"
TEXTS_FILE = "explanations.fr.yaml"


def load_parameters(path: Optional[Path] = None) -> Parameters:
    """The BUD parameters, re-read when the file changes (staff edit a date and a value, no restart)."""
    return _parameters.load(path or BUD_DIR / PARAMETERS_FILE)


def load_texts(path: Optional[Path] = None) -> Texts:
    return cached(path or BUD_DIR / TEXTS_FILE, Texts)


__all__ = [
    "ACTIVITIES", "BUD_DIR", "CERTAINTIES", "COMMUNE_CERTAINTIES", "DISCLAIMER", "FACT_ORDER", "ORIGINS",
    "PARAMETERS_FILE", "PRECISIONS", "STATUSES", "TEXTS_FILE", "VERDICTS", "Calendar", "CommuneBud", "Criterion", "DeMinimis",
    "Estimate", "EstimatePeriod", "Facts", "LocalTaxYear", "Parameter", "ParameterError", "ParameterNotFound",
    "ParameterValue", "Parameters", "ProfitPeriod", "Texts", "Verdict", "as_given", "de_minimis", "end_of_month_after",
    "estimate_tax_saved", "evaluate", "exemption_calendar", "facts_problems", "french_number", "load_parameters",
    "load_texts", "month_needed", "months_covered", "parse_parameters", "partial_date", "render_verdict",
]
