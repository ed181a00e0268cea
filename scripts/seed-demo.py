#!/usr/bin/env python3
"""Seeds a fresh hotnic with what a new user needs to plug a NIC at once:
cluster Default (4.7), host `local` (the agent make run started), network
ovirtmgmt and a VM `demo` booting the test guest from the agent's image
library. Idempotent: it only creates what is missing, through the public
REST API, signed in as admin (HOTNIC_ADMIN_PASSWORD, or the password hotnic
wrote to data/admin.password on its first start). Registering the host pins
the certificate its agent presents."""
import json
import os
import sys
import urllib.request

base, agent_url, token_file = sys.argv[1:4]
password_file = sys.argv[4] if len(sys.argv) > 4 else "data/admin.password"
cookie = None


def sign_in():
    password = os.environ.get("HOTNIC_ADMIN_PASSWORD")
    if not password:
        try:
            password = open(password_file).read().strip()
        except FileNotFoundError:
            sys.exit(f"seed: no admin password: set HOTNIC_ADMIN_PASSWORD, or keep {password_file} "
                     "(hotnic writes it when it creates admin on an empty database)")
    req = urllib.request.Request(base + "/api/session", method="POST",
                                 data=json.dumps({"name": "admin", "password": password}).encode(),
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.headers["set-cookie"].split(";")[0]
    except urllib.error.HTTPError as err:
        sys.exit(f"seed: cannot sign in as admin: {err.code} {err.read().decode()}")


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    # A change signed by the session cookie must name hotnic's own origin.
    headers = {"content-type": "application/json", "cookie": cookie, "origin": base}
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read() or "null")
    except urllib.error.HTTPError as err:
        sys.exit(f"seed: {method} {path} failed: {err.code} {err.read().decode()}")


def find(path, name):
    return next((item for item in call("GET", path) if item["name"] == name), None)


cookie = sign_in()
cluster = find("/api/clusters", "Default") or call(
    "POST", "/api/clusters", {"name": "Default", "compatibility_version": "4.7"})
token = open(token_file).read().strip()
host = find("/api/hosts", "local")
if not host:
    host = call("POST", "/api/hosts", {"name": "local", "cluster_id": cluster["id"], "agent_url": agent_url, "token": token})
    print(f"seed: host local pinned at certificate fingerprint {host['fingerprint']}")
elif host["agent_url"] != agent_url:
    sys.exit(f"seed: host local is registered at {host['agent_url']}, not {agent_url} (a database from before "
             "agents served HTTPS?); move ./data aside to start afresh")
if not find(f"/api/networks?cluster_id={cluster['id']}", "ovirtmgmt"):
    call("POST", "/api/networks", {"name": "ovirtmgmt", "cluster_id": cluster["id"], "kind": "bridge"})
if not find("/api/vms", "demo"):
    call("POST", "/api/vms", {
        "name": "demo", "cluster_id": cluster["id"], "memory_mib": 128, "vcpus": 1,
        "kernel": "vmlinuz", "initrd": "initrd.img",
        "cmdline": "console=ttyS0 quiet loglevel=1 panic=-1"})
# demo-full: a VM whose PCI slots are all taken once it runs. Its 30
# hot-pluggable slots are the guest agent channel's controller and 29 NICs
# plugged at start; nic30 waits unplugged, and its Plug says why it cannot.
if not find("/api/vms", "demo-full"):
    full = call("POST", "/api/vms", {
        "name": "demo-full", "cluster_id": cluster["id"], "memory_mib": 128, "vcpus": 1,
        "kernel": "vmlinuz", "initrd": "initrd.img",
        "cmdline": "console=ttyS0 quiet loglevel=1 panic=-1"})
    ids = [call("POST", f"/api/vms/{full['id']}/nics", {"name": f"nic{i}", "network": "ovirtmgmt"})["id"]
           for i in range(1, 31)]
    call("POST", f"/api/vms/{full['id']}/nics/plug", {"ids": ids[:29]})
print(f"seed: cluster Default, host local, network ovirtmgmt and VMs demo and demo-full (run it: every PCI slot taken) are ready")

# Simulated hosts (HOTNIC_SIMULATED_HOSTS=N make run): cluster Simulated,
# hosts sim-0… on consecutive ports from HOTNIC_SIMULATED_PORT, each with
# the agent token followed by -i when there are several, and a VM sim-demo.
simulated = int(os.environ.get("HOTNIC_SIMULATED_HOSTS") or 0)
if simulated > 0:
    port = int(os.environ.get("HOTNIC_SIMULATED_PORT", "55000"))
    sim_cluster = find("/api/clusters", "Simulated") or call(
        "POST", "/api/clusters", {"name": "Simulated", "compatibility_version": "4.7"})
    if not find(f"/api/networks?cluster_id={sim_cluster['id']}", "ovirtmgmt"):
        call("POST", "/api/networks", {"name": "ovirtmgmt", "cluster_id": sim_cluster["id"], "kind": "bridge"})
    for i in range(simulated):
        name = f"sim-{i}"
        if not find("/api/hosts", name):
            own = token + (f"-{i}" if simulated > 1 else "")
            call("POST", "/api/hosts", {"name": name, "cluster_id": sim_cluster["id"],
                                        "agent_url": f"https://127.0.0.1:{port + i}", "token": own})
    if not find("/api/vms", "sim-demo"):
        call("POST", "/api/vms", {"name": "sim-demo", "cluster_id": sim_cluster["id"], "memory_mib": 128, "vcpus": 1})
    print(f"seed: cluster Simulated with {simulated} simulated hosts and VM sim-demo are ready")
