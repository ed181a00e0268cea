#!/usr/bin/env bash
# The official oVirt Python SDK, pinned, in a virtualenv under the build
# cache, for the tests that run oVirt scripts against hotnic's oVirt API.
# Prints the virtualenv's python. Needs Debian's python3-venv, python3-dev,
# libxml2-dev and libcurl4-openssl-dev (deps.sh test installs them).
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=4.6.3
venv=${HOTNIC_OVIRT_VENV:-/var/cache/hotnic/ovirt-sdk-$version}
if ! "$venv/bin/python" -c "import ovirtsdk4, sys; sys.exit(ovirtsdk4.version.VERSION != '$version')" 2>/dev/null; then
  echo "ovirt-sdk: installing ovirt-engine-sdk-python==$version into $venv" >&2
  rm -rf "$venv"
  # Debian's python: its headers are the ones installed (pycurl builds
  # against them), whatever else is first on PATH.
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "ovirt-engine-sdk-python==$version" >&2
fi
echo "$venv/bin/python"
