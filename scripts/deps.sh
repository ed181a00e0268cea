#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and run (`deps.sh run`) or
# also test (`deps.sh test`) hotnic. Idempotent; quiet when nothing is missing.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"
mode=${1:-run}

apt_packages=(pkg-config gcc libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
  qemu-system-x86 iproute2 cpio busybox-static gzip curl)
if [[ $mode == test ]]; then
  # python3-venv and the headers build the oVirt SDK (scripts/ovirt-sdk.sh).
  apt_packages+=(chromium postgresql python3-venv python3-dev libxml2-dev libcurl4-openssl-dev)
fi
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qx 'install ok installed' || missing+=("$p")
done
# Node may come with the machine from elsewhere than Debian: use it if so.
command -v npm >/dev/null || missing+=(nodejs npm)
command -v python3 >/dev/null || missing+=(python3)
# apt runs in the background while the cargo tools build (network and disk
# beside CPU); the tools need only gcc, which every Rust machine has.
apt_log=$(mktemp /tmp/hotnic-apt.XXXXXX)
apt_pid=
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]} (in the background)"
  (
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
  ) >"$apt_log" 2>&1 &
  apt_pid=$!
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "deps: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

scripts/install-tools.sh

if [[ -n $apt_pid ]] && ! wait "$apt_pid"; then
  cat "$apt_log" >&2
  echo "deps: apt-get install failed (above)" >&2
  exit 1
fi
rm -f "$apt_log"

# npm ci only when the lock changed since the last install.
stamp=end2end/node_modules/.hotnic-lock
if [[ ! -f $stamp ]] || ! cmp -s end2end/package-lock.json "$stamp"; then
  echo "deps: npm ci in end2end"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  cp end2end/package-lock.json "$stamp"
fi
