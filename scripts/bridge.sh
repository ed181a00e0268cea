#!/usr/bin/env bash
# Creates the plain Linux bridges (no IP address) that test guests' NICs attach to.
set -euo pipefail
(($#)) || { echo "usage: $0 NAME [NAME...]" >&2; exit 2; }
for br in "$@"; do
  if ! ip link show dev "$br" >/dev/null 2>&1; then
    ip link add name "$br" type bridge
  elif [[ ! -d /sys/class/net/$br/bridge ]]; then
    echo "bridge.sh: $br exists but is not a bridge" >&2
    exit 1
  fi
  ip -o link show dev "$br" | grep -q '[<,]UP[,>]' || ip link set dev "$br" up
done
