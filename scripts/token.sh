#!/usr/bin/env bash
# Writes a random agent token to FILE unless it already holds one.
set -euo pipefail
file=$1
if [[ ! -s $file ]]; then
  mkdir -p "$(dirname "$file")"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
fi
