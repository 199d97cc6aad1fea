# Sourced by run.sh and bench.sh: the checks both make before `go test`.
# Each takes the label its messages start with (e.g. "conformance").

# Exits 0 (a skip, said plainly) when no Go that can build the suite is installed.
require_go() {
  local label=$1
  if ! command -v go >/dev/null 2>&1; then
    echo "$label: SKIPPED — Go is not installed (install Go >= 1.26 to run the Grafana conformance suite)"
    exit 0
  fi
  # go.mod asks for Go 1.26.5 (grafana-plugin-sdk-go's minimum); Go >= 1.21 fetches that toolchain
  # from the module proxy by itself, older Go (e.g. Debian's golang-go 1.19) cannot build the suite.
  local go_minor
  go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [ -z "$go_minor" ] || [ "$go_minor" -lt 21 ]; then
    echo "$label: SKIPPED — $(go env GOVERSION) is too old (need Go >= 1.21, which fetches Go 1.26.5 itself)"
    exit 0
  fi
}

# Exits 1 when the built backend (launcher and bundle under $2/dist) is missing.
require_built_backend() {
  local label=$1 repo=$2
  local missing=() f
  for f in "$repo/dist/gpx_tributary_linux_amd64" "$repo/dist/backend/main.js"; do
    [ -e "$f" ] || missing+=("$f")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "$label: FAILED — the backend is not built: missing ${missing[*]}" >&2
    echo "$label: run 'npm run build:backend' (or 'npm run build') in $repo first" >&2
    exit 1
  fi
}
