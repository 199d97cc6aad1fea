#!/usr/bin/env bash
# Conformance suite: drives dist/gpx_tributary_linux_amd64 exactly as Grafana does (go-plugin
# client + grafana-plugin-sdk-go clients and decoders) and compares it with a Go SDK reference
# plugin. Called by scripts/test-all.sh; needs Go and a built dist/ (npm run build:backend).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)

if ! command -v go >/dev/null 2>&1; then
  echo "conformance: SKIPPED — Go is not installed (install Go >= 1.26 to run the Grafana conformance suite)"
  exit 0
fi

# go.mod asks for Go 1.26.5 (grafana-plugin-sdk-go's minimum); Go >= 1.21 fetches that toolchain
# from the module proxy by itself, older Go (e.g. Debian's golang-go 1.19) cannot build the suite.
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$go_minor" ] || [ "$go_minor" -lt 21 ]; then
  echo "conformance: SKIPPED — $(go env GOVERSION) is too old (need Go >= 1.21, which fetches Go 1.26.5 itself)"
  exit 0
fi

missing=()
for f in "$repo/dist/gpx_tributary_linux_amd64" "$repo/dist/backend/main.js"; do
  [ -e "$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "conformance: FAILED — the backend is not built: missing ${missing[*]}" >&2
  echo "conformance: run 'npm run build:backend' (or 'npm run build') in $repo first" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "conformance: FAILED — node is not on PATH (managed and sidecar modes start the backend with node)" >&2
  exit 1
fi

cd "$here"
echo "conformance: $(go version) — running go test against $repo/dist"
# -count=1: never reuse cached results, the plugin under test lives outside the Go module.
exec go test -count=1 -v -timeout 5m ./... "$@"
