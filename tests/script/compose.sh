#!/usr/bin/env bash
# docker-compose.yml as Compose reads it (`docker-compose config`, Debian's
# docker-compose 1.29: no Docker engine needed) with settings from the
# environment: postgres with its named volume; a one-shot migrate
# (zws-ingest --migrate-only) that ingest and zws wait for; ingest
# following ZWS_LOOKUP; zws on ZWS_PORT with ZWS_WORKERS, ZWS_ARGS and
# ZWS_NOFILE applied; health checks that the image can run (zws-healthcheck,
# installed by the Dockerfile) checking the port that is really served;
# restart policies; no obsolete keys.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3; [ -x "$py" ] || py=python3
command -v docker-compose >/dev/null || { echo "compose: FAIL: docker-compose missing (scripts/install-deps.sh installs it)"; exit 1; }
out=$(mktemp); trap 'rm -f "$out"' EXIT
(cd "$src" && env -i PATH="$PATH" ZWS_LOOKUP=http://lookup.example:4201 ZWS_PORT=5555 ZWS_WORKERS=3 \
  ZWS_ARGS="--max-addresses 200" ZWS_INGEST_ARGS="--poll-ms 500" ZWS_NOFILE=30000 ZWS_DB_PASSWORD=s3cret \
  docker-compose -f docker-compose.yml config) >"$out"
"$py" - "$out" "$src/docker-compose.yml" "$src/Dockerfile" <<'PY'
import shlex, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
raw = yaml.safe_load(open(sys.argv[2]))
dockerfile = open(sys.argv[3]).read()
s = doc["services"]
assert set(s) == {"postgres", "migrate", "ingest", "zws"}, sorted(s)
assert "version" not in raw, "obsolete top-level 'version' key"

def cmd(name):
    c = s[name]["command"]
    return shlex.split(c) if isinstance(c, str) else c

def after(name, dep, cond):
    got = s[name]["depends_on"][dep]["condition"]
    assert got == cond, f"{name} waits for {dep} {got}, expected {cond}"

# postgres: data in the named volume, healthy when it answers.
assert "zws-pgdata" in doc["volumes"]
assert any(v.startswith("zws-pgdata:/var/lib/postgresql/data") for v in s["postgres"]["volumes"])
assert s["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
# migrate: the schema once, after postgres is healthy; not restarted.
assert cmd("migrate") == ["zws-ingest", "--migrate-only"], cmd("migrate")
after("migrate", "postgres", "service_healthy")
assert s["migrate"].get("restart", "no") == "no"
assert "healthcheck" not in s["migrate"]
# ingest and zws start once the schema is there.
for name in ("ingest", "zws"):
    after(name, "migrate", "service_completed_successfully")
    assert "password=s3cret" in s[name]["environment"]["ZWS_DB"]
    assert "host=postgres" in s[name]["environment"]["ZWS_DB"]
    assert s[name]["environment"]["ZWS_LOOKUP"] == "http://lookup.example:4201"
    assert s[name]["restart"] == "unless-stopped"
assert cmd("ingest")[0] == "zws-ingest" and "--poll-ms" in cmd("ingest"), cmd("ingest")
z = cmd("zws")
assert z[0] == "zws" and z[z.index("--workers") + 1] == "3" and "--max-addresses" in z, z
assert s["zws"]["environment"]["ZWS_PORT"] == "5555"
ports = s["zws"]["ports"]
assert len(ports) == 1 and str(ports[0]["published"]) == "5555" and str(ports[0]["target"]) == "5555", ports
assert s["zws"]["ulimits"]["nofile"] == {"soft": 30000, "hard": 30000}
# Health checks: the image's own script, on the port zws really serves.
def check(name):
    t = s[name]["healthcheck"]["test"]
    return " ".join(t[1:]) if t[0] in ("CMD", "CMD-SHELL") else t
assert check("ingest") in ("zws-healthcheck --http $${ZWS_INGEST_HTTP##*:}",
                          "zws-healthcheck --http ${ZWS_INGEST_HTTP##*:}"), check("ingest")
assert s["ingest"]["environment"]["ZWS_INGEST_HTTP"] == "0.0.0.0:4402"
assert check("zws") in ("zws-healthcheck --http $${ZWS_PORT}",
                       "zws-healthcheck --http ${ZWS_PORT}"), check("zws")
assert "pg_isready" in check("postgres")
assert "COPY docker/healthcheck.sh /usr/local/bin/zws-healthcheck" in dockerfile
assert "postgresql-client" not in dockerfile and "psql" not in check("ingest")
print("docker-compose config: 4 services, migrate before ingest and zws, settings from the environment, health checks, volume: ok")
PY
