#!/usr/bin/env bash
# Sets up a fresh Debian machine (Node 20 + npm present) for grouproles: pnpm, the workspace's
# packages and, unless --node-only, the servers the integration tests start (slapd, PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."

node_only=false
[ "${1:-}" = "--node-only" ] && node_only=true

if ! $node_only; then
  missing=()
  command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || missing+=(slapd)
  command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "bootstrap: installing ${missing[*]} (Debian packages)"
      apt-get update -qq
      # No debconf prompts; a service the package would start is not needed (tests start their own).
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "bootstrap: missing ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
    fi
  fi
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "bootstrap: installing pnpm 9.15.9 from the npm registry"
  npm install -g pnpm@9.15.9 >/dev/null 2>&1
fi
pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
