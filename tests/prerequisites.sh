#!/usr/bin/env bash
# What `make test` needs beyond the venv, set up where it is missing: Debian's chromium and a font
# for the browser suite, and a running local PostgreSQL (the tests fail, never skip, without it).
# Installing needs root (apt-get); without it this says what to install and stops.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "make test needs these Debian packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run it again." >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Only the default local server is started here; a TEST_POSTGRES_URL elsewhere is the caller's to run.
if [ -z "${TEST_POSTGRES_URL:-}" ] || [[ "$TEST_POSTGRES_URL" == *@127.0.0.1:5432/* ]]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432
fi
