#!/usr/bin/env bash
# The whole test suite: build the plugin, run the jest projects (backend — with the launcher, compose,
# provisioning, CI workflow and browser tests — and frontend), the end-to-end suite against the compose
# stack (skips without Docker), then the Go conformance suite that drives the built plugin with
# Grafana's own host code.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "typecheck"
npm run --silent typecheck

step "lint"
npm run --silent lint

step "build (frontend + backend + launchers)"
npm run --silent build

step "jest"
npx jest --ci

step "isolation tests on the shipped Node (the executables' runtime, backend/launcher/node-runtime.json)"
# Some protections need a newer Node than the minimum we develop on (e.g. the HTTP/2 stream-reset
# limit needs >= 22.10): run the process-level isolation tests again on the Node users get.
shipped_node=$(node -e '
  const r = require("./backend/launcher/node-runtime.json");
  const t = { x64: "linux_amd64", arm64: "linux_arm64" }[process.arch];
  if (process.platform === "linux" && t) console.log(`.cache/node-runtime/${r.version}/${t}/node`);')
if [ -n "$shipped_node" ] && [ -x "$shipped_node" ]; then
  PATH="$(cd "$(dirname "$shipped_node")" && pwd):$PATH" npx jest --ci \
    backend/test/stream-cancel.test.ts packages/sdk/test/lifecycle.test.ts packages/sdk/test/frame-workers.test.ts \
    backend/src/datasource/admission.e2e.test.ts
else
  echo "isolation tests on the shipped Node: SKIPPED — no cached Linux Node from npm run build (not Linux x64/arm64)"
fi

step "end to end (Grafana in docker compose)"
bash tests/e2e/run.sh

step "conformance (Go host code against the built plugin)"
bash conformance/run.sh
