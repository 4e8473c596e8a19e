#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying `sacla batch --scheduler slurm` and for the
# integration test (npm run test:integration).
#
#   bash scripts/slurm-local.sh start    install what is missing (slurm-wlm, munge), start munged,
#                                        slurmctld and slurmd, wait until the node is idle
#   bash scripts/slurm-local.sh stop     stop the daemons started here (by their pid files)
#   bash scripts/slurm-local.sh status   what runs; exit code 0 when the cluster is up
#
# Needs root (apt-get, /etc/munge/munge.key, /etc/slurm/slurm.conf). State, spool, logs and pid
# files live under $SACLA_SLURM_DIR (default /tmp/sacla-slurm). A /etc/slurm/slurm.conf that this
# script did not write is never overwritten. `start` when the cluster already runs is fine.
set -euo pipefail

BASE=${SACLA_SLURM_DIR:-/tmp/sacla-slurm}
CONF=/etc/slurm/slurm.conf
MARKER='# written by sacla-analysis scripts/slurm-local.sh'
WAIT_SECONDS=${SACLA_SLURM_WAIT:-60}
HOST=$(hostname -s)

say() { echo "slurm-local: $*" >&2; }
die() { say "error: $*"; exit 1; }

running() { # pidfile → 0 when its process is alive
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and writes /etc/munge/munge.key and $CONF)"
}

install_missing() {
  local missing=()
  for cmd in slurmctld slurmd sbatch squeue sinfo; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
  for cmd in munged munge; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing slurm-wlm and munge (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q slurm-wlm munge >"$BASE/apt.log" 2>&1; then
    say "apt-get install failed; running apt-get update first"
    apt-get update -q >>"$BASE/apt.log" 2>&1 || die "apt-get update failed (see $BASE/apt.log)"
    apt-get install -y -q slurm-wlm munge >>"$BASE/apt.log" 2>&1 || die "apt-get install -y slurm-wlm munge failed (see $BASE/apt.log)"
  fi
  for cmd in slurmctld slurmd sbatch munged; do
    command -v "$cmd" >/dev/null || die "$cmd still missing after installing slurm-wlm and munge"
  done
}

start_munge() {
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    say "creating $key"
    mkdir -p /etc/munge
    dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
  fi
  chown munge:munge "$key" && chmod 400 "$key"
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 755 /run/munge
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged --force
  touch "$BASE/munged.ours"
  for _ in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged does not answer (munge -n | unmunge fails; see /var/log/munge/munged.log)"
}

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script: not overwriting it (move it away to use a local test cluster)"
  fi
  local cpus mem
  cpus=$(nproc)
  # RealMemory: the free memory in MB less 1 GB (slurmd drains a node that has less than it says).
  mem=$(free -m | awk '/^Mem:/ { print $7 }')
  mem=$((mem - 1024))
  [ "$mem" -ge 256 ] || mem=256
  mkdir -p /etc/slurm "$BASE/state" "$BASE/spool"
  cat >"$CONF" <<EOF
$MARKER
# A one-node test cluster: this host is the controller and the only node.
ClusterName=local
SlurmctldHost=$HOST
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# MaxArraySize is left at Slurm's default (1001), as on most clusters: sacla batch's array
# indices are 0 to N - 1 (at most 1000 per array), whatever the run numbers.
MinJobAge=3600
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/slurmctld.log
SlurmdLogFile=$BASE/slurmd.log
NodeName=$HOST CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
}

node_state() {
  sinfo -h -N -n "$HOST" -o '%t' 2>/dev/null | head -n1 || true
}

wait_idle() {
  local state=''
  for _ in $(seq $((WAIT_SECONDS * 2))); do
    state=$(node_state)
    case "$state" in
      idle | mix | alloc | comp) return 0 ;;
      down* | drain* | drng* | fail*) scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  die "node $HOST not idle after ${WAIT_SECONDS} s (sinfo says '${state:-nothing}'); logs: $BASE/slurmctld.log, $BASE/slurmd.log"
}

cmd_start() {
  need_root
  mkdir -p "$BASE"
  install_missing
  start_munge
  if running "$BASE/slurmctld.pid" && running "$BASE/slurmd.pid"; then
    say "already running"
  else
    running "$BASE/slurmctld.pid" || running "$BASE/slurmd.pid" || write_conf
    if ! running "$BASE/slurmctld.pid"; then
      say "starting slurmctld"
      slurmctld || die "slurmctld did not start (see $BASE/slurmctld.log)"
    fi
    if ! running "$BASE/slurmd.pid"; then
      say "starting slurmd"
      slurmd || die "slurmd did not start (see $BASE/slurmd.log)"
    fi
  fi
  wait_idle
  say "up: $(sinfo -h -o '%P %D node(s) %t' | head -n1)"
}

stop_pidfile() { # pidfile name
  if running "$1"; then
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    say "stopped $2 (pid $pid)"
  fi
  rm -f "$1"
}

cmd_stop() {
  stop_pidfile "$BASE/slurmd.pid" slurmd
  stop_pidfile "$BASE/slurmctld.pid" slurmctld
  if [ -f "$BASE/munged.ours" ]; then
    stop_pidfile /run/munge/munged.pid munged
    rm -f "$BASE/munged.ours"
  fi
}

cmd_status() {
  local ok=0
  running "$BASE/slurmctld.pid" && say "slurmctld running (pid $(cat "$BASE/slurmctld.pid"))" || { say "slurmctld not running"; ok=1; }
  running "$BASE/slurmd.pid" && say "slurmd running (pid $(cat "$BASE/slurmd.pid"))" || { say "slurmd not running"; ok=1; }
  if [ "$ok" -eq 0 ]; then say "node $HOST: $(node_state)"; fi
  return "$ok"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: bash scripts/slurm-local.sh start|stop|status" >&2; exit 2 ;;
esac
