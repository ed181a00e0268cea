#!/usr/bin/env bash
# Builds a tiny Linux test guest (Debian cloud kernel + busybox initramfs) that answers ACPI PCI hot (un)plug and reports its PCI devices on the serial console.
set -euo pipefail

OUTDIR=${1:-/var/cache/hotnic/guest}
SELF=$(readlink -f "${BASH_SOURCE[0]}")
log() { echo "build-guest: $*" >&2; }

apt_ok=0
apt_refresh() { ((apt_ok)) || { apt-get -o DPkg::Lock::Timeout=900 update -qq; apt_ok=1; }; }

for p in cpio busybox-static; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qx 'install ok installed'; then
    log "installing $p"
    apt_refresh
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$p" >/dev/null
  fi
done

# The concrete kernel package behind the linux-image-cloud-amd64 meta package.
kernel_pkg() { apt-cache depends --important linux-image-cloud-amd64 2>/dev/null |
  awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}'; }
KPKG=$(kernel_pkg || true)
if [[ -z $KPKG ]]; then apt_refresh; KPKG=$(kernel_pkg || true); fi
[[ -n $KPKG ]] || { log "ERROR: cannot resolve linux-image-cloud-amd64 with apt-cache"; exit 1; }
KVER=$(apt-cache policy "$KPKG" | awk '$1 == "Candidate:" {print $2; exit}')
BBVER=$(dpkg-query -W -f='${Version}' busybox-static)

# Inputs: kernel package+version, busybox version, and this script (it holds /init).
STAMP="kernel=$KPKG=$KVER busybox=$BBVER script=$(sha256sum "$SELF" | cut -c1-16)"
if [[ -f $OUTDIR/vmlinuz && -f $OUTDIR/initrd.img && -f $OUTDIR/stamp && $(<"$OUTDIR/stamp") == "$STAMP" ]]; then
  exit 0
fi

log "building into $OUTDIR ($KPKG $KVER)"
mkdir -p "$OUTDIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Kernel. PCI ACPI hot plug (acpiphp), devtmpfs, 8250 console, gzip initrd are built in
# (checked below), so hot plug itself needs no module.
( cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "$KPKG=$KVER" )
dpkg-deb -x "$work"/"$KPKG"_*.deb "$work/pkg"
for opt in CONFIG_HOTPLUG_PCI_ACPI CONFIG_DEVTMPFS CONFIG_SERIAL_8250_CONSOLE CONFIG_RD_GZIP CONFIG_BINFMT_SCRIPT; do
  grep -qx "$opt=y" "$work"/pkg/boot/config-* || { log "ERROR: $KPKG lacks $opt=y"; exit 1; }
done
vmlinuz=$(ls "$work"/pkg/boot/vmlinuz-*)

# Initramfs: static busybox + /init, and the virtio modules (in load order)
# the guest needs to open its guest agent port (libvirt then reports the
# channel connected, the agent's sign that the guest has booted) and to
# drive virtio NICs, whose carrier (link state) it reports.
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console failover net_failover virtio_net"
echo "$modules" >"$root/lib/modules/load-order"
for m in $modules; do
  ko=$(find "$work/pkg/lib/modules" -name "$m.ko" -print -quit)
  [[ -n $ko ]] || { log "ERROR: $KPKG has no module $m.ko"; exit 1; }
  cp "$ko" "$root/lib/modules/"
done
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
mknod -m 600 "$root/dev/console" c 5 1
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# hotnic test guest: report the PCI device list, and each NIC's carrier by
# its PCI address, on the console whenever they change.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
exec </dev/console >/dev/console 2>&1
for m in $(cat /lib/modules/load-order); do
  insmod /lib/modules/$m.ko
done
# Stand in for a guest agent: hold its port open (what qemu-ga does), once
# the guest can take hot plug events (acpiphp is built in, so: now).
for try in $(seq 50); do
  for port in /sys/class/virtio-ports/*; do
    [ "$(cat "$port/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] && agent_port=/dev/${port##*/}
  done
  [ -n "$agent_port" ] && [ -e "$agent_port" ] && break
  sleep 0.1
done
if [ -n "$agent_port" ] && exec 3<>"$agent_port"; then
  echo "HOTNIC-GUEST-AGENT $agent_port"
else
  echo "HOTNIC-GUEST-AGENT none"
fi
prev=
prevnet=
ready=
while :; do
  cur=
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d" ] && cur="$cur ${d##*/}"
  done
  cur=${cur# }
  if [ "$cur" != "$prev" ] || [ -z "$ready" ]; then
    echo "PCI: $cur"
    prev=$cur
  fi
  # NET: <pci address>=<carrier 1|0> per NIC. A NIC is brought up first:
  # Linux shows carrier only on an interface that is up.
  net=
  for n in /sys/class/net/*; do
    [ -e "$n/device" ] || continue
    ip link set "${n##*/}" up 2>/dev/null
    dev=$(readlink -f "$n/device")
    case ${dev##*/} in virtio*) dev=${dev%/*} ;; esac
    net="$net ${dev##*/}=$(cat "$n/carrier" 2>/dev/null || echo '?')"
  done
  net=${net# }
  if [ "$net" != "$prevnet" ]; then
    echo "NET: $net"
    prevnet=$net
  fi
  if [ -z "$ready" ]; then
    echo HOTNIC-GUEST-READY
    ready=1
  fi
  sleep 0.3
done
INIT
chmod 755 "$root/init"
( cd "$root" && find . -print0 | LC_ALL=C sort -z |
  cpio --null -o -H newc --owner=0:0 --quiet ) | gzip -9n >"$work/initrd.img"

install -m 644 "$vmlinuz" "$OUTDIR/vmlinuz.new"
install -m 644 "$work/initrd.img" "$OUTDIR/initrd.img.new"
mv -f "$OUTDIR/vmlinuz.new" "$OUTDIR/vmlinuz"
mv -f "$OUTDIR/initrd.img.new" "$OUTDIR/initrd.img"
echo "$STAMP" >"$OUTDIR/stamp"
