#!/bin/sh
# @EXECUTABLE@: the "executable" Grafana starts for this plugin (written by `grafana-node-plugin launcher`).
#
# Grafana (through HashiCorp go-plugin) runs this file, reads the FIRST line of its stdout as the
# handshake `CORE|APP|NETWORK|ADDRESS|PROTOCOL`, dials that address with gRPC, reads stderr as log
# lines, and SIGKILLs this PID (only this PID) when it stops the plugin.
#
# Two ways to run:
#   managed  - (default) `exec` Node on the backend bundle @BUNDLE@ next to this file; Node
#              takes over this PID, binds its own socket and prints the handshake itself.
#   sidecar  - the backend already runs elsewhere (`node @BUNDLE@ --listen ADDRESS`): print a handshake
#              pointing at it, then `exec` a command that blocks, so the PID Grafana kills is the only one.
#
# Environment (GF_PLUGIN_<KEY> is what Grafana sets from the `<key>` of the plugin's ini section):
#   GF_PLUGIN_SIDECAR_ADDRESS, @ENV_PREFIX@_SIDECAR_ADDRESS   sidecar address: unix:/abs/path.sock or tcp:HOST:PORT
#   GF_PLUGIN_SIDECAR_WAIT_SECONDS, @ENV_PREFIX@_SIDECAR_WAIT_SECONDS   wait for a sidecar socket (default and max 30)
#   GF_PLUGIN_NODE, @ENV_PREFIX@_NODE   the node binary for managed mode (else `node` on PATH)
#
# Written for POSIX sh: it runs under busybox ash (Alpine-based Grafana images) and dash.

set -u

# Grafana >= 12.4 starts plugins with almost no environment (no PATH), so give the tools a sane one.
PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
export PATH

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
  printf '{"@level":"%s","@message":"%s","@module":"@EXECUTABLE@-launcher","@timestamp":"%s"}\n' \
    "$1" "$(json_escape "$2")" "$(timestamp)" >&2
}

fail() {
  log error "$1"
  exit 1
}

is_whole_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

# --- sidecar mode --------------------------------------------------------------------------------

wait_seconds() {
  value=${GF_PLUGIN_SIDECAR_WAIT_SECONDS:-${@ENV_PREFIX@_SIDECAR_WAIT_SECONDS:-$MAX_WAIT_SECONDS}}
  if ! is_whole_number "$value"; then
    log warn "ignoring sidecar wait '$value' (not a whole number of seconds); using $MAX_WAIT_SECONDS"
    value=$MAX_WAIT_SECONDS
  fi
  # Grafana gives up on a handshake after 60 s and never retries the first start: stay well inside.
  [ "$value" -gt "$MAX_WAIT_SECONDS" ] && value=$MAX_WAIT_SECONDS
  printf '%s' "$value"
}

# Wait until $1 is a unix socket, at most $2 seconds. Returns non-zero on timeout.
wait_for_socket() {
  deadline=$(($(date +%s) + $2))
  while [ ! -S "$1" ]; do
    [ "$(date +%s)" -gt "$deadline" ] && return 1
    sleep 0.2 2>/dev/null || sleep 1
  done
  return 0
}

# Print the handshake for a sidecar and block forever in this same PID.
serve_sidecar() {
  log info "using sidecar $1:$2 (from $3)"
  printf '1|2|%s|%s|grpc\n' "$1" "$2"
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
      wait_for_socket "$socket" "$limit" || fail "sidecar socket $socket (from $source) did not appear within $limit s; is the backend running with --listen $address?"
      serve_sidecar unix "$socket" "$source"
      ;;
    tcp:*)
      hostport=${address#tcp:}
      host=${hostport%:*}
      port=${hostport##*:}
      if [ "$host" = "$hostport" ] || [ -z "$host" ] || ! is_whole_number "$port" || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        fail "sidecar address from $source must look like tcp:HOST:PORT with a port in 1..65535; got: $address"
      fi
      case $host in *'|'* | *' '* | *'/'*) fail "sidecar address from $source has an invalid host: $address" ;; esac
      serve_sidecar tcp "$hostport" "$source"
      ;;
    *)
      fail "sidecar address from $source must be unix:/absolute/path.sock or tcp:HOST:PORT; got: $address"
      ;;
  esac
}

# --- managed mode --------------------------------------------------------------------------------

run_managed() {
  here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || fail "cannot resolve the directory of $0"
  bundle=$here/@BUNDLE@
  node=${GF_PLUGIN_NODE:-${@ENV_PREFIX@_NODE:-}}
  if [ -n "$node" ]; then
    [ -x "$node" ] || fail "node binary '$node' (from GF_PLUGIN_NODE/@ENV_PREFIX@_NODE) is not an executable file"
  else
    node=$(command -v node 2>/dev/null) || fail "no node on PATH: set @ENV_PREFIX@_NODE or the plugin's ini key node, or configure a sidecar"
  fi
  [ -f "$bundle" ] || fail "managed mode needs the backend bundle at $bundle; build it with grafana-node-plugin build"
  # exec: node takes over this PID, so Grafana's kill reaches it and its handshake is our first line.
  exec "$node" "$bundle" "$@"
}

if [ -n "${GF_PLUGIN_SIDECAR_ADDRESS:-}" ]; then
  use_address "$GF_PLUGIN_SIDECAR_ADDRESS" GF_PLUGIN_SIDECAR_ADDRESS
elif [ -n "${@ENV_PREFIX@_SIDECAR_ADDRESS:-}" ]; then
  use_address "$@ENV_PREFIX@_SIDECAR_ADDRESS" @ENV_PREFIX@_SIDECAR_ADDRESS
else
  run_managed "$@"
fi
