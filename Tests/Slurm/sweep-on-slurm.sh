#!/bin/bash
# `mantsim sweep --backend slurm` against a real Slurm: a one-node cluster on this machine.
#
#   Tests/Slurm/sweep-on-slurm.sh PATH/TO/mantsim
#
# Installs Debian's slurm-wlm (slurmctld, slurmd, sbatch) and munge when they are missing, starts
# munged, slurmctld and slurmd with a slurm.conf naming this host as controller and only node (state,
# spool and logs in a temporary folder, ports 16817/16818), submits a 4-point sweep as a 2-task job
# array with --wait, and checks that the collected database holds the same rows as the local backend
# gives for the same spec (`mantsim report --csv`). The daemons are stopped and the folder removed on
# exit, whatever happens. Needs root (or sudo) for the packages and daemons.
set -euo pipefail

mantsim=$(realpath "${1:?usage: $0 PATH/TO/mantsim}")
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

missing=()
for tool in slurmctld slurmd sbatch sinfo scontrol munged; do
    PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm test: installing slurm-wlm and munge (missing: ${missing[*]}) ..."
    if ! command -v apt-get >/dev/null; then
        echo "slurm test: needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge); no apt-get here" >&2
        exit 1
    fi
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
export PATH="$PATH:/usr/sbin"

work=$(mktemp -d /tmp/mantsim-slurm.XXXXXX)
chmod 755 "$work"
export SLURM_CONF="$work/slurm.conf"
started_munged=
cleanup() {
    status=$?
    if [ -f "$work/slurmd.pid" ]; then $SUDO kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true; fi
    if [ -f "$work/slurmctld.pid" ]; then $SUDO kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true; fi
    if [ -n "$started_munged" ] && [ -f "$work/munged.pid" ]; then $SUDO kill "$(cat "$work/munged.pid")" 2>/dev/null || true; fi
    sleep 1
    if [ $status -ne 0 ]; then
        for log in "$work"/*.log "$work"/sweep.slurm/task-*.log; do
            [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }
        done
    fi
    $SUDO rm -rf "$work"
    exit $status
}
trap cleanup EXIT

# munge: a key, then a daemon with its socket in the temporary folder.
if [ ! -s /etc/munge/munge.key ]; then
    $SUDO mkdir -p /etc/munge
    $SUDO mungekey --create --force 2>/dev/null || $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    $SUDO chown -R munge:munge /etc/munge 2>/dev/null || true
    $SUDO chmod 400 /etc/munge/munge.key
fi
socket="$work/munge.socket"
$SUDO munged --force --socket="$socket" --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munged.seed"
started_munged=1

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<EOF
ClusterName=mantsim-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

$SUDO env SLURM_CONF="$SLURM_CONF" slurmctld -f "$SLURM_CONF"
$SUDO env SLURM_CONF="$SLURM_CONF" slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    sleep 1
done
if [ "$state" != idle ]; then echo "slurm test: the node did not come up (state '$state')" >&2; exit 1; fi
echo "slurm test: slurmctld and slurmd up on $host ($cpus CPUs)"

# The spec: 2 architectures x 2 array heights on a small model, 4 points.
cp "$here/tiny-model.json" "$work/tiny.json"
cat > "$work/sweep.yaml" <<EOF
architectures: [int8, mant]
model: tiny.json
phase: decode
prompt: 64
tokens: 2
axes:
  array.rows: [16, 32]
EOF

cd "$(dirname "$here")/.."
# Each task also records its points' perplexity on the shipped model (when `make model` has fetched it)
# with the options given here, which the batch script passes on: on 64 tokens, to stay short.
evaluation="--eval-tokens 64 --eval-context 32"
export XDG_CACHE_HOME="$work/cache"
timeout 300 "$mantsim" sweep "$work/sweep.yaml" --backend slurm --tasks 2 --cpus-per-task 1 --time 00:05:00 --wait --db "$work/sweep.sqlite" $evaluation
timeout 300 "$mantsim" sweep "$work/sweep.yaml" --jobs 2 --db "$work/local.sqlite" $evaluation 2>/dev/null
"$mantsim" report "$work/sweep.sqlite" --csv > "$work/slurm.csv"
"$mantsim" report "$work/local.sqlite" --csv > "$work/local.csv"
rows=$(($(wc -l < "$work/slurm.csv") - 1))
if [ "$rows" -ne 4 ]; then echo "slurm test: expected 4 rows from the job array, got $rows" >&2; cat "$work/slurm.csv" >&2; exit 1; fi
if grep -q ",failed," "$work/slurm.csv"; then echo "slurm test: a point failed on Slurm" >&2; cat "$work/slurm.csv" >&2; exit 1; fi
if ! diff "$work/local.csv" "$work/slurm.csv"; then echo "slurm test: Slurm's rows differ from the local backend's" >&2; exit 1; fi
"$mantsim" report "$work/sweep.sqlite" > "$work/report.txt"
for chunk in 1/2 2/2; do
    if ! grep -q " $chunk " "$work/report.txt"; then echo "slurm test: no run of chunk $chunk in the collected database" >&2; cat "$work/report.txt" >&2; exit 1; fi
done
if [ -f .build/models/SmolLM2-135M-Instruct.Q4_1.gguf ] && grep -q ",ok,.*,,,,decode," "$work/slurm.csv"; then
    echo "slurm test: a point has no perplexity" >&2; cat "$work/slurm.csv" >&2; exit 1
fi
echo "slurm test: passed (4 points over 2 Slurm tasks, collected rows, perplexity included, equal the local backend's)"
