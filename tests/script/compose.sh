#!/usr/bin/env bash
# docker-compose.yml parses and describes the three services operators run:
# postgres with a named volume, ingest with the lookup URL from the
# environment, zws on port 4401; each with a health check and a restart
# policy. No Docker engine is needed to check this.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3; [ -x "$py" ] || py=python3
ZWS_LOOKUP=http://lookup.example:4201 "$py" - "$src/docker-compose.yml" <<'PY'
import os, re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
services = doc["services"]
assert set(services) == {"postgres", "ingest", "zws"}, sorted(services)
for name, s in services.items():
    assert "healthcheck" in s and s["healthcheck"]["test"], name + " has no health check"
    assert s.get("restart") in ("always", "unless-stopped", "on-failure"), name + " has no restart policy"
assert "zws-pgdata" in doc["volumes"]
assert any(v.startswith("zws-pgdata:") for v in services["postgres"]["volumes"])
assert services["zws"]["ports"] == ["4401:4401"]
assert "${ZWS_LOOKUP" in services["ingest"]["environment"]["ZWS_LOOKUP"]
assert services["ingest"]["command"] == ["zws-ingest"]
print("docker-compose.yml: 3 services, health checks, restart policies, volume: ok")
PY
if command -v docker-compose >/dev/null 2>&1; then
  (cd "$src" && ZWS_LOOKUP=http://lookup.example:4201 docker-compose -f docker-compose.yml config -q)
  echo "docker-compose config: ok"
fi
