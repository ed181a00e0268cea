#!/usr/bin/env python3
"""Seeds a fresh hotnic with what a new user needs to plug a NIC at once:
cluster Default (4.7), host `local` (the agent make run started), network
ovirtmgmt and a VM `demo` booting the test guest from the agent's image
library. Idempotent: it only creates what is missing, through the public
REST API. Registering the host pins the certificate its agent presents."""
import json
import sys
import urllib.request

base, agent_url, token_file = sys.argv[1:4]


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read() or "null")
    except urllib.error.HTTPError as err:
        sys.exit(f"seed: {method} {path} failed: {err.code} {err.read().decode()}")


def find(path, name):
    return next((item for item in call("GET", path) if item["name"] == name), None)


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
print(f"seed: cluster Default, host local, network ovirtmgmt and VM demo are ready")
