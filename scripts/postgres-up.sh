#!/usr/bin/env bash
# Starts the local PostgreSQL (no systemd here) and makes sure the test role
# exists; prints the admin URL tests use to create their own databases.
set -euo pipefail
version=$(ls /etc/postgresql | sort -V | tail -n 1)
[[ -n $version ]] || { echo "postgres-up: no PostgreSQL cluster under /etc/postgresql" >&2; exit 1; }
if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
  # Stdout carries only the URL: after a reboot pg_ctlcluster says
  # "Removed stale pid file." and that must not become part of it.
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.5
done
# Over TCP PostgreSQL asks for a password: a role with one, allowed to create
# the throw-away databases each test makes.
if ! su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname = 'hotnic'\"" | grep -qx 1; then
  su postgres -c "psql -qc \"create role hotnic login password 'hotnic' createdb\"" >/dev/null
fi
# Test databases an interrupted or full-stack run left behind.
su postgres -c "psql -qtAc \"select datname from pg_database where datname like 'hotnic_t_%'\"" |
  while read -r db; do
    if [[ -n $db ]]; then su postgres -c "psql -qc 'drop database if exists $db with (force)'" >/dev/null; fi
  done
echo "postgres://hotnic:hotnic@127.0.0.1:5432/postgres"
