#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest: unit
# tests, integration tests against a throwaway PostgreSQL (started and
# stopped by the tests themselves), the JS SDK and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure "$@"
