"""A VM NIC hot plug workflow written against the official oVirt Python SDK
(ovirtsdk4 4.6.3), as an oVirt user's script would be, run against hotnic's
oVirt API by server/tests/ovirt_sdk.rs on the real stack. The guest's
serial console lists its PCI devices: the script checks that the guest
gains and loses each device. It ends with NIC "a" plugged (virtio), "b"
unplugged (e1000) and "c" removed, and prints that state as JSON.

Environment: OVIRT_URL, OVIRT_PASSWORD (admin's), VIEWER_PASSWORD (user
"viewer", ReadOnly), VM_NAME, NETWORK, CONSOLE (the guest's console log).
"""

import json
import os
import sys
import time
import uuid

import ovirtsdk4 as sdk
import ovirtsdk4.types as types

URL = os.environ["OVIRT_URL"]
VM_NAME = os.environ["VM_NAME"]
NETWORK = os.environ["NETWORK"]
CONSOLE = os.environ["CONSOLE"]


def connect(user, password):
    return sdk.Connection(url=URL, username=user, password=password, insecure=True)


def guest_pci():
    """The guest's latest list of PCI devices, from its console."""
    with open(CONSOLE, errors="replace") as f:
        lines = [l for l in f.read().replace("\r", "").splitlines() if "PCI: " in l]
    return set(lines[-1].split("PCI: ", 1)[1].split()) if lines else set()


def wait_guest(before, grows):
    """Waits until the guest has one device more (or less) than `before`."""
    deadline = time.time() + 30
    while time.time() < deadline:
        now = guest_pci()
        if grows and len(now - before) == 1 and before <= now:
            return now
        if not grows and len(before - now) == 1 and now <= before:
            return now
        time.sleep(0.1)
    raise AssertionError(f"guest PCI list did not {'grow' if grows else 'shrink'} by one: {before} -> {guest_pci()}")


def expect_error(kind, code, call, text=None):
    try:
        call()
    except kind as err:
        assert err.code == code, f"expected {code}, got {err.code}: {err}"
        if text is not None:
            assert text in str(err), f"'{text}' not in '{err}'"
        return err
    raise AssertionError(f"expected {kind.__name__} {code}")


def main():
    conn = connect("admin@internal", os.environ["OVIRT_PASSWORD"])
    assert conn.test(raise_exception=True)
    system = conn.system_service()
    vms_service = system.vms_service()

    # Find the VM, the network and its profile, as scripts do.
    found = vms_service.list(search=f"name={VM_NAME}")
    assert [v.name for v in found] == [VM_NAME], found
    vm = found[0]
    assert vm.status == types.VmStatus.UP, vm.status
    assert VM_NAME in [v.name for v in vms_service.list(search=f"name={VM_NAME[:3]}*")]
    assert vms_service.list(search="name=no-such-vm-*") == []
    network = system.networks_service().list(search=f"name={NETWORK}")[0]
    profile = [p for p in system.vnic_profiles_service().list() if p.name == NETWORK and p.network.id == network.id][0]
    assert [p.id for p in system.networks_service().network_service(network.id).vnic_profiles_service().list()] == [profile.id]

    # The links tools follow: the VM's cluster, its data center and networks.
    cluster = system.clusters_service().cluster_service(vm.cluster.id).get()
    data_centers = system.data_centers_service().list(search=f"Clusters.name={cluster.name}")
    assert len(data_centers) == 1, data_centers
    dc_networks = system.data_centers_service().data_center_service(data_centers[0].id).networks_service().list()
    assert network.id in [n.id for n in dc_networks]

    nics_service = vms_service.vm_service(vm.id).nics_service()
    assert nics_service.list() == []
    pci = guest_pci()

    # Added plugged (oVirt's default): the guest gets it.
    a = nics_service.add(types.Nic(name="a", interface=types.NicInterface.VIRTIO, vnic_profile=types.VnicProfile(id=profile.id)))
    assert a.plugged is True and a.interface == types.NicInterface.VIRTIO and a.vnic_profile.id == profile.id, a
    pci = wait_guest(pci, grows=True)
    a_service = nics_service.nic_service(a.id)
    assert a_service.network_filter_parameters_service().list() == []

    # Added unplugged: the guest sees nothing new.
    b = nics_service.add(types.Nic(name="b", interface=types.NicInterface.E1000, plugged=False, vnic_profile=types.VnicProfile(id=profile.id)))
    assert b.plugged is False, b
    c = nics_service.add(types.Nic(name="c", vnic_profile=types.VnicProfile(id=profile.id), plugged=False))
    time.sleep(0.5)
    assert guest_pci() == pci

    # deactivate / activate / update(plugged=…)
    a_service.deactivate()
    assert a_service.get().plugged is False
    pci = wait_guest(pci, grows=False)
    a_service.activate()
    assert a_service.get().plugged is True
    pci = wait_guest(pci, grows=True)
    c_service = nics_service.nic_service(c.id)
    assert c_service.update(types.Nic(plugged=True)).plugged is True
    pci = wait_guest(pci, grows=True)
    assert c_service.update(types.Nic(plugged=False)).plugged is False
    pci = wait_guest(pci, grows=False)
    renamed = nics_service.nic_service(b.id).update(types.Nic(name="b2"))
    assert renamed.name == "b2" and renamed.plugged is False
    assert nics_service.nic_service(b.id).update(types.Nic(name="b")).name == "b"

    # Errors, as oVirt gives them.
    err = expect_error(sdk.Error, 409, lambda: nics_service.add(types.Nic(name="a", vnic_profile=types.VnicProfile(id=profile.id))))
    assert err.fault.reason == "Operation Failed" and err.fault.detail.startswith("["), err.fault
    expect_error(sdk.NotFoundError, 404, lambda: nics_service.nic_service(str(uuid.uuid4())).get())
    expect_error(sdk.NotFoundError, 404, lambda: vms_service.vm_service(str(uuid.uuid4())).get())
    expect_error(sdk.Error, 400, lambda: vms_service.list(search="status=up"), "hotnic supports the searches name=VALUE")
    expect_error(sdk.Error, 400, lambda: nics_service.add(types.Nic(interface=types.NicInterface.VIRTIO)), "Nic [name] required for add")
    expect_error(sdk.Error, 400, lambda: nics_service.add(types.Nic(name="d", vnic_profile=types.VnicProfile(id=str(uuid.uuid4())))), "no vNIC profile")
    try:
        connect("admin@internal", "wrong-password").test(raise_exception=True)
        raise AssertionError("a wrong password signed in")
    except sdk.AuthError as err:
        assert "The username or password is incorrect" in str(err), err
    viewer = connect("viewer@internal", os.environ["VIEWER_PASSWORD"])
    viewer_nics = viewer.system_service().vms_service().vm_service(vm.id).nics_service()
    assert [n.name for n in viewer_nics.list()] == ["a", "b", "c"], "a reader sees the NICs"
    expect_error(sdk.AuthError, 403, lambda: viewer_nics.nic_service(a.id).deactivate(), "UserVmManager")
    viewer.close()
    assert a_service.get().plugged is True, "the refused call changed nothing"

    # Remove: a plugged NIC of a running VM must be unplugged first.
    expect_error(sdk.Error, 409, lambda: a_service.remove(), "unplug it first")
    c_service.remove()
    expect_error(sdk.NotFoundError, 404, lambda: c_service.get())

    # Logging out ends the token.
    token = conn.authenticate()
    conn.close()
    stale = sdk.Connection(url=URL, token=token, insecure=True)
    assert stale.test() is False, "a logged-out token still works"

    check = connect("admin@internal", os.environ["OVIRT_PASSWORD"])
    nics = check.system_service().vms_service().vm_service(vm.id).nics_service().list()
    state = sorted(({"name": n.name, "plugged": n.plugged, "interface": n.interface.value} for n in nics), key=lambda n: n["name"])
    check.close()
    print("STATE " + json.dumps(state))


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # noqa: BLE001 - the driver shows whatever failed
        import traceback

        traceback.print_exc()
        sys.exit(1)
