#!/usr/bin/env bash
# A one-node Grid Engine on this machine for the integration tests (SgeTest): Debian's
# gridengine-master, -exec and -client (cell "default", SGE_ROOT=/var/lib/gridengine), with this
# host as admin, submit and execution host, a queue all.q and a parallel environment smp, the
# daemons started as root. Idempotent: a second run finds the cluster up and returns at once.
# Needs root (re-runs itself with sudo otherwise).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  exec sudo "$0" "$@"
fi

log() { echo "setup-sge: $*"; }

host=$(hostname)
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
common=$SGE_ROOT/$SGE_CELL/common

# Grid Engine identifies hosts by name, so this host's name has to resolve. Debian gives its own
# name 127.0.1.1; a container may know it by no address at all.
if ! getent hosts "$host" >/dev/null; then
  log "adding $host to /etc/hosts"
  echo "127.0.1.1 $host" >> /etc/hosts
fi

# sge_qmaster refuses a client whose address resolves to a name other than the one the client
# says it has ("access denied (client IP resolved to host name "localhost" ...)"). When this
# host's name lives on a loopback address, that address resolves back to "localhost" (or whatever
# /etc/hosts lists first), and the name may resolve to a longer canonical one: tell Grid Engine
# all those names are this host. Written before the packages are installed, since on a machine
# with an init system their postinst scripts start the daemons.
addr=$(getent hosts "$host" | awk '{ print $1; exit }')
canonical=$(getent hosts "$host" | awk '{ print $2; exit }')
reverse=$(getent hosts "$addr" | awk '{ print $2; exit }')
aliases="$host"
for name in "$canonical" "$reverse" localhost; do
  case " $aliases " in *" $name "*) ;; *) aliases="$aliases $name" ;; esac
done
changed=0
mkdir -p "$common"
if [ "$(cat "$common/host_aliases" 2>/dev/null)" != "$aliases" ]; then
  printf '%s\n' "$aliases" > "$common/host_aliases"
  changed=1
fi
if [ "$(cat "$common/act_qmaster" 2>/dev/null)" != "$host" ]; then
  printf '%s\n' "$host" > "$common/act_qmaster"
  changed=1
fi

# The packages ask for the cell and the master host: answer before installing, so that the
# install is not interactive and its postinst scripts create the cell (with the master's spool).
debconf-set-selections <<SEL
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string $SGE_CELL
gridengine-common shared/gridenginemaster string $host
SEL
"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" gridengine-master gridengine-exec gridengine-client
chown sgeadmin:sgeadmin "$common/host_aliases" "$common/act_qmaster"
mkdir -p /var/spool/gridengine/execd
chown sgeadmin:sgeadmin /var/spool/gridengine/execd

resolved=$(/usr/lib/gridengine/gethostname -aname)
if [ "$resolved" != "$host" ]; then
  log "Grid Engine resolves this host as '$resolved', not '$host' (aliases: $aliases); check /etc/hosts" >&2
  exit 1
fi

# A daemon's pid file; sge_execd's lies in a spool directory named as the daemon resolves its
# own host (possibly "localhost", see host_aliases above), so it is looked for.
qmaster_pid() { echo /var/spool/gridengine/qmaster/qmaster.pid; }
execd_pid() {
  local f
  for f in /var/spool/gridengine/execd/*/execd.pid; do
    running "$f" && { echo "$f"; return; }
  done
  echo /nonexistent
}
# Alive, and not a zombie: a killed daemon's parent is init, which in a container may never reap it.
running() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$(cat "$1")/status"
}
stop() {
  if running "$1"; then
    kill "$(cat "$1")" || true
    for _ in $(seq 1 100); do running "$1" || break; sleep 0.1; done
  fi
}

if [ "$changed" = 1 ]; then
  # The daemons read the host names at start: restart whatever runs with the old ones.
  stop "$(execd_pid)"
  stop "$(qmaster_pid)"
fi
if ! running "$(qmaster_pid)"; then
  log "starting sge_qmaster"
  /usr/sbin/sge_qmaster
fi
for _ in $(seq 1 100); do
  qconf -sh >/dev/null 2>&1 && break
  sleep 0.1
done
qconf -sh >/dev/null

# Apply a configuration from a file only when it differs from what qconf shows (qconf -M rewrites
# and logs even when nothing changes). $1: the show option, $2: the modify option, $3: the text,
# $4: the object's name (qconf -Mconf takes it from the file's name).
apply() {
  local show=$1 modify=$2 want=$3 name=${4:-} dir
  if [ "$(qconf "$show" $name 2>/dev/null)" != "$want" ]; then
    dir=$(mktemp -d)
    printf '%s\n' "$want" > "$dir/${name:-config}"
    qconf "$modify" "$dir/${name:-config}" >/dev/null
    rm -rf "$dir"
  fi
}
# Add an object from a file unless qconf shows it already. $1: the show option, $2: the add
# option, $3: the text, $4: the object's name.
add() {
  local show=$1 add=$2 want=$3 name=$4 dir
  if ! qconf "$show" "$name" >/dev/null 2>&1; then
    dir=$(mktemp -d)
    printf '%s\n' "$want" > "$dir/$name"
    qconf "$add" "$dir/$name" >/dev/null
    rm -rf "$dir"
  fi
}

# Jobs run as the user who submits them, root included here: the default refuses ids below 1000.
global=$(qconf -sconf global | sed -E 's/^(min_uid|min_gid)( +)[0-9]+$/\1\20/')
apply -sconf -Mconf "$global" global
# Dispatch within a second of a submission or an ending, not every 15 s.
sched=$(qconf -ssconf | sed -E \
  -e 's/^(schedule_interval +).*/\10:0:1/' \
  -e 's/^(flush_submit_sec +).*/\11/' \
  -e 's/^(flush_finish_sec +).*/\11/')
apply -ssconf -Msconf "$sched"

qconf -sh 2>/dev/null | grep -qx "$host" || qconf -ah "$host" >/dev/null
qconf -ss 2>/dev/null | grep -qx "$host" || qconf -as "$host" >/dev/null
add -se -Ae "$(printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE' "$host")" "$host"

# A parallel environment for "-pe smp N": N slots on one host.
pe=$(cat <<PE
pe_name            smp
slots              9999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
PE
)
add -sp -Ap "$pe" smp
apply -sp -Mp "$pe" smp

# all.q: a slot per CPU (at least two, for the tests' two workers), no load threshold (a busy
# test machine must not put the queue in alarm and stop dispatching), bash as the job shell.
# Memory requests (-l h_vmem=4G) are checked against the queue's limits, which are infinite.
slots=$(nproc)
[ "$slots" -ge 2 ] || slots=2
if qconf -sq all.q >/dev/null 2>&1; then
  queue=$(qconf -sq all.q)
else
  # qconf's template for a new queue, which EDITOR=cat prints and leaves unchanged.
  queue=$(EDITOR=cat qconf -aq all.q 2>/dev/null || true)
fi
queue=$(printf '%s\n' "$queue" | sed -E \
  -e "s/^(hostlist +).*/\1$host/" \
  -e 's/^(load_thresholds +).*/\1NONE/' \
  -e 's/^(pe_list +).*/\1smp/' \
  -e "s/^(slots +).*/\1$slots/" \
  -e 's|^(shell +).*|\1/bin/bash|')
add -sq -Aq "$queue" all.q
apply -sq -Mq "$queue" all.q

if ! running "$(execd_pid)"; then
  log "starting sge_execd"
  /usr/sbin/sge_execd
fi

# Wait (bounded) for the execution host to report and its queue instance to take jobs; a
# queue instance left in an error state by an earlier run is cleared.
state="?"
for i in $(seq 1 300); do
  # qstat -f prints "all.q@host  BIP  0/0/2  load  lx-amd64  [states]"; no states: it takes jobs.
  line=$(qstat -f -q "all.q@$host" 2>/dev/null | awk -v q="all.q@$host" '$1 == q')
  state=$(printf '%s\n' "$line" | awk '{ print ($6 == "" ? "ok" : $6) }')
  [ -n "$line" ] && [ "$state" = ok ] && break
  case "$state" in
    *E*) if [ $((i % 20)) = 1 ]; then qmod -c "all.q@$host" >/dev/null 2>&1 || true; fi ;;
  esac
  sleep 0.1
done
if [ "$state" = ok ]; then
  log "queue all.q@$host takes jobs ($slots slots)"
else
  log "queue all.q@$host is not ready (state '$state'); logs follow" >&2
  tail -n 30 /var/spool/gridengine/qmaster/messages /var/spool/gridengine/execd/*/messages >&2 || true
  exit 1
fi
