#!/usr/bin/env bash
# End-to-end proof with plain virsh that NIC hot plug/unplug really works on a Linux guest here, and that a guest without an OS never completes the unplug.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPTS=$HERE/../scripts
URI=qemu:///system
GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest}
BRIDGE=hnbr0
MAC=52:54:00:48:4e:0c
ALIAS=ua-test1
PCI_ADDR=0000:00:0c.0
LINUX=hotnic-smoke-linux
FW=hotnic-smoke-fw
LINUX_LOG=/tmp/hotnic-smoke-linux.console.log
FW_LOG=/tmp/hotnic-smoke-fw.console.log
BOOT_TIMEOUT_S=${HOTNIC_BOOT_TIMEOUT_S:-60}
POLL_S=10

virsh() { command virsh -q -c "$URI" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

tmp=$(mktemp -d)
cleanup() {
  local d
  for d in "$LINUX" "$FW"; do virsh destroy "$d" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

render() { # template name console -> path of the filled-in XML
  sed -e "s|@NAME@|$2|g" -e "s|@GUEST_DIR@|$GUEST_DIR|g" -e "s|@CONSOLE@|$3|g" \
    "$HERE/$1" >"$tmp/$2.xml"
  echo "$tmp/$2.xml"
}
start_domain() { # template name console
  local xml
  virsh destroy "$2" >/dev/null 2>&1 || true # leftover from an interrupted run
  rm -f "$3"
  xml=$(render "$1" "$2" "$3")
  virsh create "$xml" >/dev/null
}
nic_in_xml() { virsh dumpxml "$1" | grep -qi "<mac address='$MAC'/>"; }
nic_xml_block() { virsh dumpxml "$1" | awk '/<interface /{b=""; on=1} on{b=b $0 "\n"} /<\/interface>/{on=0; if (b ~ /'"$MAC"'/) printf "%s", b}'; }
pci_lines() { grep -a '^PCI: ' "$1" 2>/dev/null || true; }
last_pci_line() { pci_lines "$1" | tail -n 1; }
poll() { # seconds command... : succeeds as soon as command does
  local deadline=$(($(now_ms) + $1 * 1000)); shift
  until "$@"; do (($(now_ms) < deadline)) || return 1; sleep 0.05; done
}

"$SCRIPTS/libvirt-up.sh"
"$SCRIPTS/bridge.sh" "$BRIDGE"
"$SCRIPTS/build-guest.sh" "$GUEST_DIR"

# ---------------------------------------------------------------- Linux guest
t0=$(now_ms)
start_domain guest-domain.xml "$LINUX" "$LINUX_LOG"
poll "$BOOT_TIMEOUT_S" grep -qa HOTNIC-GUEST-READY "$LINUX_LOG" ||
  { tail -n 20 "$LINUX_LOG" >&2 || true; fail "guest not ready within ${BOOT_TIMEOUT_S}s"; }
boot_ms=$(($(now_ms) - t0))
ok "guest ready in ${boot_ms} ms: $(last_pci_line "$LINUX_LOG")"
last_pci_line "$LINUX_LOG" | grep -q "$PCI_ADDR" && fail "$PCI_ADDR present before attach"
before=$(pci_lines "$LINUX_LOG" | wc -l)

t0=$(now_ms)
virsh attach-device "$LINUX" "$HERE/nic.xml" --live >/dev/null
attach_ms=$(($(now_ms) - t0))
nic_in_xml "$LINUX" || fail "NIC not in live XML after attach"
block=$(nic_xml_block "$LINUX")
echo "live XML of the attached NIC:"; echo "$block" | sed 's/^/    /'
grep -q "<alias name='$ALIAS'/>" <<<"$block" || fail "alias $ALIAS not kept by libvirt"
grep -q "slot='0x0c'" <<<"$block" || fail "PCI slot 0x0c not kept by libvirt"
ok "attach returned in ${attach_ms} ms; live XML has the NIC (alias $ALIAS, slot 0x0c)"
new_pci_line_has_nic() { pci_lines "$LINUX_LOG" | tail -n +$((before + 1)) | grep -q "$PCI_ADDR"; }
poll "$POLL_S" new_pci_line_has_nic || fail "guest never listed $PCI_ADDR"
seen_ms=$(($(now_ms) - t0))
ok "guest sees $PCI_ADDR ${seen_ms} ms after attach started: $(last_pci_line "$LINUX_LOG")"

t0=$(now_ms)
virsh detach-device "$LINUX" "$HERE/nic.xml" --live >/dev/null
detach_cmd_ms=$(($(now_ms) - t0))
gone() { ! nic_in_xml "$LINUX" && ! last_pci_line "$LINUX_LOG" | grep -q "$PCI_ADDR"; }
poll "$POLL_S" gone || fail "NIC still present ${POLL_S}s after detach (xml: $(nic_in_xml "$LINUX" && echo yes || echo no), guest: $(last_pci_line "$LINUX_LOG"))"
gone_ms=$(($(now_ms) - t0))
ok "detach returned in ${detach_cmd_ms} ms; gone from live XML and guest after ${gone_ms} ms: $(last_pci_line "$LINUX_LOG")"

# ------------------------------------------------------- firmware-only domain
start_domain firmware-domain.xml "$FW" "$FW_LOG"
sleep 1
virsh attach-device "$FW" "$HERE/nic.xml" --live >/dev/null
nic_in_xml "$FW" || fail "NIC not in live XML of $FW after attach"
t0=$(now_ms)
set +e
fw_out=$(command virsh -c "$URI" detach-device "$FW" "$HERE/nic.xml" --live 2>&1)
fw_rc=$?
set -e
fw_detach_ms=$(($(now_ms) - t0))
fw_out=$(tr -s '\n' ' ' <<<"$fw_out")
ok "firmware-only: detach returned rc=$fw_rc after ${fw_detach_ms} ms: ${fw_out:-<no output>}"
t0=$(now_ms)
if poll "$POLL_S" bash -c "! command virsh -q -c '$URI' dumpxml '$FW' | grep -qi \"<mac address='$MAC'/>\""; then
  fail "firmware-only domain completed the unplug; expected it to be ignored"
fi
ok "firmware-only: NIC still in live XML $(( ($(now_ms) - t0) / 1000 )) s after detach returned (unplug ignored, as expected)"

echo "TIMINGS boot_ms=$boot_ms attach_ms=$attach_ms guest_sees_ms=$seen_ms detach_cmd_ms=$detach_cmd_ms detach_until_gone_ms=$gone_ms fw_detach_cmd_ms=$fw_detach_ms fw_detach_rc=$fw_rc"
echo "PASS"
