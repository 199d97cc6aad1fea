#!/usr/bin/env bash
# `npm run bench:conformance`: Tributary vs the Go SDK reference through the same go-plugin
# client — QueryData (1, 100, 10k, 1M points), streams (1, 100, 1000 channels), start-up and RSS.
# Prints each figure for both and the ratio Tributary/Go. Extra arguments go to `go test`
# (e.g. `-bench 'Stream/channels=100/'` to run one benchmark).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)

if ! command -v go >/dev/null 2>&1; then
  echo "bench:conformance: SKIPPED — Go is not installed"
  exit 0
fi
# go.mod asks for Go 1.26.5 (grafana-plugin-sdk-go's minimum); Go >= 1.21 fetches that toolchain
# from the module proxy by itself, older Go (e.g. Debian's golang-go 1.19) cannot build the suite.
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$go_minor" ] || [ "$go_minor" -lt 21 ]; then
  echo "bench:conformance: SKIPPED — $(go env GOVERSION) is too old (need Go >= 1.21, which fetches Go 1.26.5 itself)"
  exit 0
fi

for f in "$repo/dist/gpx_tributary_linux_amd64" "$repo/dist/backend/main.js"; do
  if [ ! -e "$f" ]; then
    echo "bench:conformance: $f is missing; run 'npm run build:backend' first" >&2
    exit 1
  fi
done

cd "$here"
bench='.'
args=()
while [ $# -gt 0 ]; do
  case $1 in
    -bench) bench=$2; shift 2 ;;
    -bench=*) bench=${1#-bench=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
# Each benchmark runs its own fixed measurement loop once (-benchtime=1x); -run '^$' skips the tests.
exec go test -count=1 -run '^$' -bench "$bench" -benchtime=1x -timeout 20m ./suite "${args[@]}"
