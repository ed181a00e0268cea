#!/usr/bin/env bash
# Gets libvirtd + virtlogd running as root with a working QEMU driver on a machine without systemd.
set -euo pipefail

PKGS=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 iproute2 cpio busybox-static)
CONF=/etc/libvirt/qemu.conf
URI=qemu:///system
WAIT_SECS=${HOTNIC_LIBVIRT_WAIT_SECS:-30}
LOGDIR=/var/log/libvirt

log() { echo "libvirt-up: $*" >&2; }

# 1. Packages (apt-get update only when something is missing; wait for other apt runs).
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qx 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The QEMU driver refuses to load unless the build's default user/group exist.
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
  useradd -r -M -g libvirt-qemu -s /usr/sbin/nologin -d /var/lib/libvirt libvirt-qemu

# 3. qemu.conf: run QEMU as root, never relabel/chown files, no security driver.
mkdir -p /etc/libvirt
touch "$CONF"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  awk '/^[[:space:]]*(user|group|dynamic_ownership|remember_owner|security_driver)[[:space:]]*=/ {next}
       /^# hotnic:/ {next}
       {print}' "$CONF"
  cat <<'CONFEOF'
# hotnic: settings below are managed by scripts/libvirt-up.sh
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
CONFEOF
} >"$tmp"
conf_changed=0
if ! cmp -s "$tmp" "$CONF"; then
  cat "$tmp" >"$CONF"
  conf_changed=1
fi

# 4. We use plain Linux bridges: never autostart libvirt's NAT "default" network
#    (it would need dnsmasq + iptables, which are neither installed nor wanted).
rm -f /etc/libvirt/qemu/networks/autostart/default.xml

# 5. Daemons.
mkdir -p "$LOGDIR" /run/libvirt /var/lib/libvirt/qemu /var/cache/libvirt/qemu

daemon_pid() { # prints the pid of a running daemon from its pidfile, else fails
  local f=/run/$1.pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]] && echo "$pid"
}

if ! daemon_pid virtlogd >/dev/null; then
  LIBVIRT_LOG_OUTPUTS="3:file:$LOGDIR/virtlogd.log" virtlogd -d
fi

if pid=$(daemon_pid libvirtd) && ((conf_changed)); then
  log "qemu.conf changed: restarting libvirtd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "libvirtd (pid $pid) did not stop"; exit 1; fi
fi
if ! daemon_pid libvirtd >/dev/null; then
  LIBVIRT_LOG_OUTPUTS="3:file:$LOGDIR/libvirtd.log" libvirtd -d
fi

# 6. Bounded wait until the QEMU driver answers.
deadline=$((SECONDS + WAIT_SECS))
until virsh -q -c "$URI" version >/dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    log "ERROR: 'virsh -c $URI version' did not answer within ${WAIT_SECS}s"
    virsh -c "$URI" version >&2 || true
    log "last lines of $LOGDIR/libvirtd.log:"
    tail -n 20 "$LOGDIR/libvirtd.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done

# If a "default" network was defined anyway, make sure it is not autostarted.
if virsh -q -c "$URI" net-info default >/dev/null 2>&1; then
  virsh -q -c "$URI" net-autostart default --disable >/dev/null 2>&1 || true
fi
