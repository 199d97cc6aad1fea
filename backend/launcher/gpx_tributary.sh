#!/bin/sh
# Tributary launcher: the "executable" Grafana starts for this plugin.
#
# Grafana (through HashiCorp go-plugin) runs dist/gpx_tributary_<os>_<arch>, reads the FIRST line of
# its stdout as the handshake `CORE|APP|NETWORK|ADDRESS|PROTOCOL`, dials that address lazily with
# gRPC, reads stderr as log lines, and SIGKILLs this PID (only this PID) when it stops the plugin.
#
# Two ways to run:
#   sidecar  - a Tributary backend already listens somewhere (e.g. the docker compose `backend`
#              service). Print a handshake pointing at it, then `exec` a command that blocks forever,
#              so the PID Grafana kills is the only process and nothing is left behind.
#   managed  - no sidecar: `exec` Node on the backend bundle next to this file; Node binds its own
#              socket and prints the handshake itself.
#
# Where the sidecar address comes from, first match wins:
#   GF_PLUGIN_SIDECAR_ADDRESS   set by Grafana from `[plugin.tributary-streaming-datasource] sidecar_address`
#   TRIBUTARY_SIDECAR_ADDRESS   for running by hand / tests (Grafana >= 12.4 does not forward its env)
#   the default socket          ${TRIBUTARY_DEFAULT_SOCKET:-/run/tributary/plugin.sock}
# Address forms: `unix:/abs/path.sock`, `tcp:HOST:PORT` (`tcp:[::1]:PORT` for IPv6).
#
# Written for POSIX sh: it runs under busybox ash (Alpine-based Grafana images) and dash.

set -u

# Grafana >= 12.4 starts plugins with almost no environment (no PATH), so give the tools a sane one.
PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
export PATH

DEFAULT_SOCKET=${TRIBUTARY_DEFAULT_SOCKET:-/run/tributary/plugin.sock}
MAX_WAIT_SECONDS=30

# --- logging: one hclog-style JSON object per line on stderr (go-plugin keeps the level) ----------

# go-plugin only accepts a @timestamp with exactly 6 fractional digits; busybox `date` often has no
# %N, so fall back to whole seconds padded with zeros.
timestamp() {
  ts=$(date -u '+%Y-%m-%dT%H:%M:%S.%N' 2>/dev/null)
  case $ts in
    *.[0-9][0-9][0-9][0-9][0-9][0-9]*) printf '%s' "$(printf '%s' "$ts" | cut -c1-26)Z" ;;
    *) printf '%s' "$(date -u '+%Y-%m-%dT%H:%M:%S').000000Z" ;;
  esac
}

json_escape() {
  printf '%s' "$1" | tr -d '\000-\010\013-\037' | tr '\t\n' '  ' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

log() {
  printf '{"@level":"%s","@message":"%s","@module":"tributary-launcher","@timestamp":"%s"}\n' \
    "$1" "$(json_escape "$2")" "$(timestamp)" >&2
}

fail() {
  log error "$1"
  exit 1
}

# --- helpers -----------------------------------------------------------------------------------

is_whole_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

wait_seconds() {
  # The ini key reaches us as GF_PLUGIN_SIDECAR_WAIT_SECONDS; the plain name is for running by hand.
  value=${GF_PLUGIN_SIDECAR_WAIT_SECONDS:-${TRIBUTARY_SIDECAR_WAIT_SECONDS:-$MAX_WAIT_SECONDS}}
  if ! is_whole_number "$value"; then
    log warn "ignoring sidecar wait '$value' (not a whole number of seconds); using $MAX_WAIT_SECONDS"
    value=$MAX_WAIT_SECONDS
  fi
  # Grafana gives up on a handshake after 60 s and then never retries the first start: stay well inside.
  if [ "$value" -gt "$MAX_WAIT_SECONDS" ]; then
    value=$MAX_WAIT_SECONDS
  fi
  printf '%s' "$value"
}

pause_briefly() {
  sleep 0.2 2>/dev/null || sleep 1
}

# Wait until $1 is a unix socket, at most $2 seconds. Returns non-zero on timeout.
wait_for_socket() {
  socket=$1
  deadline=$(($(date +%s) + $2))
  announced=
  while [ ! -S "$socket" ]; do
    if [ "$(date +%s)" -gt "$deadline" ]; then
      return 1
    fi
    if [ -z "$announced" ]; then
      log info "waiting up to $2 s for the sidecar socket $socket"
      announced=1
    fi
    pause_briefly
  done
  return 0
}

# Print the handshake for a sidecar and block forever in this same PID.
serve_sidecar() {
  network=$1
  address=$2
  source=$3
  case ${PLUGIN_PROTOCOL_VERSIONS:-2} in
    2 | 2,* | *,2 | *,2,*) ;;
    *) log warn "Grafana offers plugin protocol versions '${PLUGIN_PROTOCOL_VERSIONS}', Tributary speaks 2" ;;
  esac
  log info "using sidecar $network:$address (from $source)"
  printf '1|2|%s|%s|grpc\n' "$network" "$address"
  # exec: Grafana's SIGKILL must hit the process holding our stdout/stderr, or it never sees us exit.
  exec sleep 2147483647
}

use_address() {
  address=$1
  source=$2
  case $address in
    unix:/*)
      socket=${address#unix:}
      case $socket in *'|'* | *' '*) fail "sidecar address from $source has '|' or a space in its path: $address" ;; esac
      limit=$(wait_seconds)
      if ! wait_for_socket "$socket" "$limit"; then
        fail "sidecar socket $socket (from $source) did not appear within $limit s; is the Tributary backend running and is its socket directory shared with Grafana?"
      fi
      serve_sidecar unix "$socket" "$source"
      ;;
    unix:*)
      fail "sidecar address from $source must be an absolute socket path, e.g. unix:/run/tributary/plugin.sock; got: $address"
      ;;
    tcp:*)
      hostport=${address#tcp:}
      host=${hostport%:*}
      port=${hostport##*:}
      if [ "$host" = "$hostport" ] || [ -z "$host" ] || ! is_whole_number "$port" || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        fail "sidecar address from $source must look like tcp:HOST:PORT with a port in 1..65535; got: $address"
      fi
      case $host in *'|'* | *' '* | *'/'*) fail "sidecar address from $source has an invalid host: $address" ;; esac
      # go-plugin resolves HOST once, when it reads this line; a name that does not resolve yet fails the start.
      serve_sidecar tcp "$hostport" "$source"
      ;;
    *)
      fail "sidecar address from $source must start with unix: or tcp:; got: $address"
      ;;
  esac
}

run_managed() {
  here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || fail "cannot resolve the directory of $0"
  bundle=$here/backend/main.js
  # GF_PLUGIN_NODE comes from the ini key `node`; TRIBUTARY_NODE is for running by hand and tests.
  node=${GF_PLUGIN_NODE:-${TRIBUTARY_NODE:-}}
  if [ -n "$node" ]; then
    [ -x "$node" ] || fail "node binary '$node' (from GF_PLUGIN_NODE/TRIBUTARY_NODE) is not an executable file"
  else
    node=$(command -v node 2>/dev/null) || node=
  fi
  if [ -z "$node" ]; then
    fail "no Tributary sidecar (GF_PLUGIN_SIDECAR_ADDRESS and TRIBUTARY_SIDECAR_ADDRESS unset, no socket at $DEFAULT_SOCKET) and no node for managed mode (set TRIBUTARY_NODE or [plugin.tributary-streaming-datasource] node, or put node on PATH)"
  fi
  [ -f "$bundle" ] || fail "managed mode needs the backend bundle at $bundle; run npm run build"
  log info "no sidecar configured; starting the backend with $node $bundle"
  # exec: node takes over this PID, so Grafana's kill reaches it and its handshake is our first line.
  exec "$node" "$bundle" "$@"
}

# --- main --------------------------------------------------------------------------------------

if [ -n "${GF_PLUGIN_SIDECAR_ADDRESS:-}" ]; then
  use_address "$GF_PLUGIN_SIDECAR_ADDRESS" GF_PLUGIN_SIDECAR_ADDRESS
elif [ -n "${TRIBUTARY_SIDECAR_ADDRESS:-}" ]; then
  use_address "$TRIBUTARY_SIDECAR_ADDRESS" TRIBUTARY_SIDECAR_ADDRESS
elif [ -S "$DEFAULT_SOCKET" ]; then
  serve_sidecar unix "$DEFAULT_SOCKET" "default socket"
elif [ -d "$(dirname -- "$DEFAULT_SOCKET")" ]; then
  # The shared socket directory exists (docker compose mounts it) but the sidecar has not bound yet,
  # e.g. Grafana restarted while the backend container restarts: wait for it rather than guess.
  limit=$(wait_seconds)
  if wait_for_socket "$DEFAULT_SOCKET" "$limit"; then
    serve_sidecar unix "$DEFAULT_SOCKET" "default socket"
  fi
  log warn "no socket at $DEFAULT_SOCKET after $limit s although its directory exists; trying managed mode"
  run_managed "$@"
else
  run_managed "$@"
fi
