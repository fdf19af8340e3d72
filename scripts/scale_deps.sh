#!/usr/bin/env bash
# The OS packages of the scale-out set-up (`make scale`, tests/scale): PostgreSQL, Redis and nginx from Debian.
# Idempotent: nothing to do when their programs are there. Only installs: it changes no system configuration and
# starts no system service (assistant/scale.py runs its own instances, with their data under var/).
set -euo pipefail
missing=()
[ -n "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The scale-out set-up needs Debian's ${missing[*]}: apt-get install ${missing[*]} (as root)." >&2
  exit 1
fi
echo "Installing ${missing[*]} (Debian packages) for the scale-out set-up."
apt-get -o DPkg::Lock::Timeout=300 update -qq
# policy-rc.d (Debian's hook) keeps the packages' own services from starting where one is installed.
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
