#!/usr/bin/env bash
# The whole test suite: service and action tests, training data checks, `rasa test` stories, NLU on held-out
# phrases, and end-to-end conversations through the REST channel against the running services.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
.venv/bin/python -m assistant.stack train
exec .venv/bin/python -m pytest -ra "$@"
