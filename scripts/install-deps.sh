#!/usr/bin/env bash
# Installs the Debian 12 packages ZWS builds, tests and runs with, when any
# is missing. Safe to run again; does nothing when all are present.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config git ca-certificates curl python3 procps
  libwebsockets-dev libevent-dev libjson-c-dev libpq-dev libssl-dev libcriterion-dev
  postgresql postgresql-client python3-yaml docker-compose
  chromium
  mmdebstrap
  clang
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere (with its own npm); only add Debian's
# when there is none.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
