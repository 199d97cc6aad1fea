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

step "end to end (Grafana in docker compose)"
bash tests/e2e/run.sh

step "conformance (Go host code against the built plugin)"
bash conformance/run.sh
