#!/usr/bin/env bash
# The whole test suite: service and action tests, training data checks, `rasa test` stories, NLU on held-out
# phrases, end-to-end conversations through the REST and Socket.IO channels against the running services, and the
# chat page in a real browser (Debian's chromium driven by Playwright), and the scale-out set-up (two Rasa servers
# behind nginx, PostgreSQL, Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
.venv/bin/python -m assistant.stack train
bash scripts/browser.sh  # Debian's chromium for the browser tests of the chat page
bash scripts/scale_deps.sh  # Debian's PostgreSQL, Redis and nginx for the scale-out tests (tests/scale)
exec .venv/bin/python -m pytest -ra "$@"
