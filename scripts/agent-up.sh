#!/usr/bin/env bash
# Starts a hotnic-agent in the background for the local host and waits until
# it answers. Usage: agent-up.sh BINARY LISTEN TOKEN_FILE NETWORKS LOG
# Prints the agent's pid.
set -euo pipefail
binary=$1 listen=$2 token_file=$3 networks=$4 log=$5
port_open() { (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; }
if port_open; then
  echo "agent-up: something already listens on $listen; stop it first" >&2
  exit 1
fi
# The token comes from the file only: a HOTNIC_AGENT_TOKEN in the caller's
# environment (the browser tests read it) would clash with --token-file.
env -u HOTNIC_AGENT_TOKEN "$binary" --listen "$listen" --token-file "$token_file" --network "$networks" \
  --unplug-timeout-secs "${HOTNIC_AGENT_UNPLUG_TIMEOUT_SECS:-30}" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if port_open && kill -0 "$pid" 2>/dev/null; then
    echo "$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "agent-up: the agent exited; its log:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
echo "agent-up: the agent did not listen on $listen within 10 s" >&2
exit 1
