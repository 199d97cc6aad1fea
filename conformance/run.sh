#!/usr/bin/env bash
# Conformance suite: drives dist/gpx_tributary_linux_amd64 exactly as Grafana does (go-plugin
# client + grafana-plugin-sdk-go clients and decoders) and compares it with a Go SDK reference
# plugin. Called by scripts/test-all.sh; needs Go and a built dist/ (npm run build:backend).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)

# shellcheck source=preflight.sh
source "$here/preflight.sh"
require_go conformance
require_built_backend conformance "$repo"
if ! command -v node >/dev/null 2>&1; then
  echo "conformance: FAILED — node is not on PATH (managed and sidecar modes start the backend with node)" >&2
  exit 1
fi

cd "$here"
echo "conformance: $(go version) — running go test against $repo/dist"
# -count=1: never reuse cached results, the plugin under test lives outside the Go module.
# -p 1: one package at a time, so `go test -v` streams each test's lines as it runs instead of holding
# a package's output until the package ends (the suite package takes most of a minute).
echo "conformance: building the test binaries and the Go reference plugin (first run: up to a minute)"
exec go test -count=1 -p 1 -v -timeout 5m ./... "$@"
