#!/usr/bin/env bash
# A one-node SLURM cluster on localhost for the integration tests (SlurmTest): Debian's slurm-wlm
# and munge, configured for this machine and started as root. Idempotent: a second run finds the
# cluster up and returns at once. Needs root (re-runs itself with sudo otherwise).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  exec sudo "$0" "$@"
fi
"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" slurm-wlm munge

log() { echo "setup-slurm: $*"; }

host=$(hostname -s)
cpus=$(nproc)
# 90% of the memory, in MB, so that jobs asking for --mem are accepted.
mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
conf=$(cat <<CONF
# Written by .ci/setup-slurm.sh: a one-node cluster on localhost for Kapu's tests.
ClusterName=kapu
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# No cgroup tracking on these machines: processes are tracked by parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
# CPUs are consumed by jobs; memory is checked against the node but not consumed.
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
InactiveLimit=0
KillWait=5
MinJobAge=60
SlurmdTimeout=60
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
)
changed=0
if [ "$(cat /etc/slurm/slurm.conf 2>/dev/null)" != "$conf" ]; then
  printf '%s\n' "$conf" > /etc/slurm/slurm.conf
  changed=1
fi
# 22.05 has no "disabled" cgroup plugin, and slurmd will not start without a usable one.
cgroup='CgroupPlugin=cgroup/v1'
if [ "$(cat /etc/slurm/cgroup.conf 2>/dev/null)" != "$cgroup" ]; then
  printf '%s\n' "$cgroup" > /etc/slurm/cgroup.conf
  changed=1
fi

# munge: a key, then the daemon as user munge.
if [ ! -s /etc/munge/munge.key ]; then
  mungekey -c -f
fi
chown munge:munge /etc/munge/munge.key /run/munge
chmod 0400 /etc/munge/munge.key
mkdir -p /var/lib/munge /var/log/munge
chown munge:munge /var/lib/munge /var/log/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 1 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null
fi

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "$changed" = 1 ]; then
  # A new configuration: restart whatever runs with the old one.
  for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
    if running "$pidfile"; then
      kill "$(cat "$pidfile")" || true
      for _ in $(seq 1 50); do running "$pidfile" || break; sleep 0.1; done
    fi
  done
fi
if ! running /run/slurmctld.pid; then
  log "starting slurmctld"
  slurmctld
fi
if ! running /run/slurmd.pid; then
  log "starting slurmd"
  slurmd
fi

# Wait (bounded) for the node to be schedulable; a node left down by an earlier run is resumed.
state=""
for i in $(seq 1 300); do
  state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null | head -n1 || true)
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    down*|drain*|fail*)
      if [ $((i % 20)) = 1 ]; then scontrol update NodeName="$host" State=RESUME 2>/dev/null || true; fi ;;
  esac
  sleep 0.1
done
case "$state" in
  idle|mixed|allocated|completing) log "node $host is $state ($cpus CPUs, ${mem} MB)" ;;
  *)
    log "node $host did not come up (state '$state'); logs follow" >&2
    tail -n 30 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    exit 1 ;;
esac
