#!/bin/sh
# simulate.sh PHASE — one LAMMPS Lennard-Jones melt run for the simulation -> ML demo.
#
# PHASE is "train" (report the measured wall time to the model service) or "test" (ask the
# service for a prediction first, run, then report predicted vs actual). Run as one batch
# task per child job; see README.md.
#
# Environment:
#   CONVERGE_SERVICE_ML_URL  base URL of `converge-ml serve` (required), e.g. http://127.0.0.1:23456
#   JOB_INDEX                this run's index (falls back to CONVERGE_JOB_ID); picks the box
#   CONVERGE_ML              the converge-ml binary (default: converge-ml on PATH)
#   LMP                      the LAMMPS binary (default: lmp)
#
# Prints one line: phase=train index=3 box=12x9x14 ranks=2 seconds=1.84 [predicted=1.70]
# Exits non-zero when the arguments or environment are wrong, LAMMPS fails, or the service
# cannot be reached.
set -eu

# Box edges are drawn from [MIN_EDGE, MAX_EDGE] lattice units (4 atoms per unit cell), so the
# atom count spans 256..32000 and, with STEPS, one run takes about 0.4-4 s alone on one core
# (the floor is LAMMPS/mpirun start-up, ~0.3 s).
MIN_EDGE=4
MAX_EDGE=20
STEPS=400

die() {
  echo "simulate.sh: $*" >&2
  exit 1
}

phase=${1:-}
case "$phase" in
  train | test) ;;
  *) echo "usage: simulate.sh train|test" >&2; exit 2 ;;
esac

url=${CONVERGE_SERVICE_ML_URL:-}
[ -n "$url" ] || die "CONVERGE_SERVICE_ML_URL is not set (the model service's URL)"
index=${JOB_INDEX:-${CONVERGE_JOB_ID:-}}
case "$index" in
  '' | *[!0-9]*) die "JOB_INDEX (or CONVERGE_JOB_ID) must be an integer >= 0, got '$index'" ;;
esac
ml=${CONVERGE_ML:-converge-ml}
lmp=${LMP:-lmp}
command -v "$lmp" >/dev/null 2>&1 || die "LAMMPS ('$lmp') not found; install the lammps package"

# pick NAME LO HI: a deterministic pseudo-random integer in [LO, HI] from the CRC (POSIX
# cksum) of "PHASE-INDEX-NAME". Unlike an LCG seeded with the index, neighbouring indexes give
# unrelated boxes, and train and test draw different ones.
pick() {
  printf '%s-%s-%s' "$phase" "$index" "$1" | cksum | awk -v lo="$2" -v hi="$3" \
    '{ print lo + $1 % (hi - lo + 1) }'
}
x=$(pick x "$MIN_EDGE" "$MAX_EDGE")
y=$(pick y "$MIN_EDGE" "$MAX_EDGE")
z=$(pick z "$MIN_EDGE" "$MAX_EDGE")
ranks=$(pick ranks 1 2)

workdir=$(mktemp -d "${TMPDIR:-/tmp}/converge-ml-sim.XXXXXX")
trap 'rm -rf "$workdir"' EXIT INT TERM

# The classic LAMMPS "melt" example (examples/melt/in.melt) with a variable box.
cat >"$workdir/in.melt" <<LAMMPS
units           lj
atom_style      atomic
lattice         fcc 0.8442
region          box block 0 $x 0 $y 0 $z
create_box      1 box
create_atoms    1 box
mass            1 1.0
velocity        all create 3.0 87287 loop geom
pair_style      lj/cut 2.5
pair_coeff      1 1 1.0 1.0 2.5
neighbor        0.3 bin
neigh_modify    every 20 delay 0 check no
fix             1 all nve
thermo          100
run             $STEPS
LAMMPS

# ml_call COMMAND ARGS...: converge-ml COMMAND for this run's features.
ml_call() {
  subcommand=$1
  shift
  "$ml" "$subcommand" --url "$url" --x "$x" --y "$y" --z "$z" --ranks "$ranks" "$@"
}

predicted=""
if [ "$phase" = test ]; then
  predicted=$(ml_call predict) || die "converge-ml predict failed"
fi

if [ "$ranks" -gt 1 ]; then
  # OpenMPI refuses root unless told otherwise. --oversubscribe lets ranks share cores when
  # several runs are packed onto one node, and --bind-to none stops every run pinning its
  # ranks to the same first cores (the kernel spreads them instead). mpi_yield_when_idle makes
  # a waiting rank yield its core instead of spinning: with several 2-rank runs packed on two
  # cores, spinning ranks made each run 2-3x slower (measured: 7 s instead of 2.5 s).
  if [ "$(id -u)" -eq 0 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
  fi
  set -- mpirun --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 -np "$ranks" \
    "$lmp"
else
  set -- "$lmp"
fi

start=$(date +%s.%N)
if ! (cd "$workdir" && OMP_NUM_THREADS=1 "$@" -in in.melt -log log.lammps -screen none \
      >output.txt 2>&1); then
  tail -n 20 "$workdir/output.txt" "$workdir/log.lammps" >&2 2>/dev/null || true
  die "LAMMPS failed (box ${x}x${y}x${z}, $ranks ranks)"
fi
end=$(date +%s.%N)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')

if [ "$phase" = train ]; then
  ml_call train --seconds "$seconds" >/dev/null || die "converge-ml train failed"
  echo "phase=train index=$index box=${x}x${y}x${z} ranks=$ranks seconds=$seconds"
else
  ml_call observe --predicted "$predicted" --actual "$seconds" || die "converge-ml observe failed"
  echo "phase=test index=$index box=${x}x${y}x${z} ranks=$ranks seconds=$seconds" \
    "predicted=$predicted"
fi
