#!/usr/bin/env bash
# The end-to-end suite (`npm run test:e2e`, part of `npm test`): starts the docker compose stack,
# runs tests/e2e/*.spec.ts with Playwright + @grafana/plugin-e2e against it, stops the stack.
# Without Docker it prints one line and succeeds: the rest of the suite covers what runs here.
#   GRAFANA_VERSION=12.4.0 bash tests/e2e/run.sh    # another Grafana (the CI matrix does this)
#   E2E_KEEP_STACK=1 ...                             # leave the stack running afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
  echo "e2e: SKIPPED — Docker with the compose plugin is not available (the suite runs against docker compose)"
  exit 0
fi

export GRAFANA_PORT="${GRAFANA_PORT:-3000}"
export GRAFANA_URL="${GRAFANA_URL:-http://localhost:${GRAFANA_PORT}}"
echo "e2e: starting the compose stack (Grafana ${GRAFANA_VERSION:-from docker-compose.yaml}) on ${GRAFANA_URL}"
docker compose up --build --detach --wait grafana
stop_stack() {
  if [ -z "${E2E_KEEP_STACK:-}" ]; then docker compose down --volumes >/dev/null 2>&1 || true; fi
}
trap stop_stack EXIT

# Grafana's container is "running" before its HTTP server answers: wait for /api/health (2 minutes at most).
node -e '
  const url = process.argv[1] + "/api/health";
  const deadline = Date.now() + 120000;
  (async () => {
    while (Date.now() < deadline) {
      try { if ((await fetch(url)).ok) return; } catch {}
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.error("e2e: Grafana did not answer " + url + " within 2 minutes");
    process.exit(1);
  })();' "$GRAFANA_URL"

npx playwright test -c tests/e2e/playwright.config.ts
