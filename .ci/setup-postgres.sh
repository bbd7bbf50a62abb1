#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) for the tests and
# benchmarks. Nothing is started here: each test class or benchmark starts a throwaway cluster of
# its own on a free port (dev.kapu.bench.ThrowawayPostgres) and removes it afterwards.
# Idempotent: returns at once when the binaries are already there. Needs root (or sudo).
set -euo pipefail

log() { echo "setup-postgres: $*"; }

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "already installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# The package merges its createcluster.conf with ucf: keep ours (below) without asking.
export UCF_FORCE_CONFFOLD=1

# No default cluster: the package would otherwise create and start one on port 5432.
$sudo mkdir -p /etc/postgresql-common
echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null

start=$(date +%s)
# Package lists are fetched only when apt does not know the package yet (a fresh image has none).
if ! apt-cache policy postgresql 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
  log "apt-get update"
  $sudo apt-get update -q
fi
log "apt-get install postgresql"
$sudo env DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql
log "installed $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ') in $(( $(date +%s) - start )) s"
