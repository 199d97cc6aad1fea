#!/usr/bin/env bash
# `npm run bench:conformance`: Tributary vs the Go SDK reference through the same go-plugin
# client — QueryData (1, 100, 10k, 1M points), streams (1, 100, 1000 channels), streams under a
# QueryData storm (50 concurrent callers), start-up and RSS.
# Prints each figure for both and the ratio Tributary/Go. Extra arguments go to `go test`
# (e.g. `-bench 'Stream/channels=100/'` to run one benchmark).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)

# shellcheck source=preflight.sh
source "$here/preflight.sh"
require_go bench:conformance
require_built_backend bench:conformance "$repo"

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
