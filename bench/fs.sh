#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Filesystem cost of the writable-root backends (issue 3), in one run, each inside a real
# `sandbox run` as an unprivileged user:
#   plain   a host directory bound read-write (--bind DIR) under the default read-only root
#   kernel  root.overlay = "persistent", overlay_driver = "kernel"  (overlayfs in the userns)
#   fuse    root.overlay = "persistent", overlay_driver = "fuse-overlayfs"
# and, on request (BACKENDS="... kernel-eph fuse-eph"), the ephemeral overlays (upper on tmpfs;
# no cold-read rows: the upper is gone when the run ends). kernel-eph needs FSBENCH_DIR directly
# under / (e.g. /sandbox-fsbench): with an ephemeral kernel overlay, creating anything below
# /var/tmp fails with EOVERFLOW (copy-up of the root-owned /var/tmp in a one-id user namespace).
# The persistent upper layers are in the work directory, on the same filesystem as the plain
# directory and the lower layer, so the three compare like for like.
#
# Workloads (timed inside the sandbox by bench/fsb.c, compiled here with cc):
#   create      FILES files of SIZE bytes in 100-file directories (no fsync)
#   read-warm   read them back, same sandbox run (page cache warm)
#   read-cold   read them back in a second sandbox run, after root's sync + drop_caches
#   copyup      open O_WRONLY|O_APPEND + append a line to COPYUP files that exist in the lower
#               layer (overlays: a copy-up each; plain: the files are simply there)
#   write-1G    BIG_MB MiB sequential write in 1 MiB blocks, fsync, close; "(its-fsync)" is the
#               fsync alone (the write() part swings most with the other jobs on the machine)
#   read-1G-warm / read-1G-cold   read it back in the same run / in the second run (cold)
# Each (backend, repetition) starts from fresh layers and a dropped page cache; the table is
# the median of REPS repetitions, with min..max. Then the start-up cost of `sandbox run --
# /bin/true` per backend (hyperfine), and what overlay_driver = "auto" picks here (-v).
#
# Run as root from the top of the checkout (root drops caches; sandboxes run as BENCH_USER):
#   sudo bench/fs.sh [BUILD_DIR]          (default build/release)
# Knobs: REPS (3), FILES (10000), SIZE (1024), COPYUP (1000), BIG_MB (1024), STARTUP_RUNS (50),
#   BACKENDS ("plain kernel fuse"), BENCH_USER (sbxtest), FSBENCH_DIR (/var/tmp/sandbox-fsbench,
#   removed at the end; not under /tmp or a home: those are tmpfs in the default profile),
#   QUIET_MAX (busy % to wait below before a measurement, 30), QUICK=1 (smoke run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build/release}" && pwd)
[ -x "$build/src/sandbox" ] || { echo "fs.sh: build $build first (cmake --preset release)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "fs.sh: run as root (it drops caches; sandboxes run as ${BENCH_USER:-sbxtest})" >&2; exit 1; }

REPS=${REPS:-3} FILES=${FILES:-10000} SIZE=${SIZE:-1024} COPYUP=${COPYUP:-1000}
BIG_MB=${BIG_MB:-1024} STARTUP_RUNS=${STARTUP_RUNS:-50} QUIET_MAX=${QUIET_MAX:-30}
if [ "${QUICK:-0}" = 1 ]; then REPS=1 FILES=500 COPYUP=50 BIG_MB=32 STARTUP_RUNS=5; fi
BACKENDS=${BACKENDS:-plain kernel fuse}
user=${BENCH_USER:-sbxtest}
work=${FSBENCH_DIR:-/var/tmp/sandbox-fsbench}
libexec=/usr/local/libexec/sandbox-fsbench
bin=$libexec/sandbox fsb=$libexec/fsb
case $work in /tmp/* | /home/* | /root/* | /) echo "fs.sh: FSBENCH_DIR=$work: pick a directory outside /tmp and homes" >&2; exit 1 ;; esac
home=$(getent passwd "$user" | cut -d: -f6)
[ -d "$home" ] || { echo "fs.sh: $user has no home directory ($home)" >&2; exit 1; }

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# --- clean state, and cleanup whatever happens --------------------------------------------
ours_fuse() { pgrep -u "$user" -f "fuse-overlayfs.*$work" || true; }
cleanup() {
  local p
  for p in $(ours_fuse); do kill "$p" 2>/dev/null || true; done   # only daemons serving $work
  rm -rf "$work"
}
trap cleanup EXIT
fuse_before=$(pgrep -c fuse-overlayfs || true)
rm -rf "$work"

install -d -m 755 "$libexec"
install -m 755 "$build/src/sandbox" "$bin"
cc -O2 -Wall -o "$fsb" "$top/bench/fsb.c"
chmod 755 "$fsb"

# $work/lower/base     the lower-layer files the copy-up step appends to (never written: the
#                      overlays write to their upper, plain works on a copy in $work/plain)
# $work/plain          the plain directory (bound read-write); fresh copy of base each rep
# $work/{kernel,fuse}  the persistent overlay directories (upper/ + work/), fresh each rep
# $work/cwd            the sandbox's working directory: the default profile binds ${PWD}
#                      read-write, so it must not be a parent of the measured directories
install -d -o "$user" -g "$user" -m 755 "$work" "$work/cwd" "$work/lower" "$work/lower/base" "$work/profiles"
head -c "$SIZE" /dev/urandom > "$work/seed"
for i in $(seq 0 $((COPYUP - 1))); do cp "$work/seed" "$(printf '%s/lower/base/f%05d' "$work" "$i")"; done
rm "$work/seed"
chown -R "$user:" "$work"

profile() {   # NAME OVERLAY DRIVER
  {
    echo "[profile]"
    echo "description = \"bench/fs.sh: $1\""
    echo "extends = \"default\""
    if [ "$2" != none ]; then
      echo "[root]"
      echo "overlay = \"$2\""
      [ "$2" = persistent ] && echo "overlay_dir = \"$work/$1\""
      echo "overlay_driver = \"$3\""
    fi
  } > "$work/profiles/$1.toml"
}
profile plain none -
profile kernel persistent kernel
profile fuse persistent fuse-overlayfs
profile kernel-eph ephemeral kernel
profile fuse-eph ephemeral fuse-overlayfs
profile auto persistent auto
chown -R "$user:" "$work/profiles"

as_user() {   # in $work/cwd, with a small fixed environment
  (cd "$work/cwd" && runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" \
    PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@")
}
sandbox_cmd() {   # BACKEND: the `sandbox run` argv up to and including "--"
  case $1 in
    plain) echo "$bin run $work/profiles/plain.toml --bind $work/plain --" ;;
    *) echo "$bin run $work/profiles/$1.toml --" ;;
  esac
}
data_dir() { [ "$1" = plain ] && echo "$work/plain" || echo "$work/lower"; }

# CPU busy % of the machine over one second
busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat); sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  echo "$a $b" | awk '{bz=$3-$1; id=$4-$2; printf "%d", (bz+id) ? 100*bz/(bz+id) : 0}'
}
# Other builds share the 2 cores: wait (at most 60 s) for a quieter second; print its busy %.
quiet() {
  local b t=0
  b=$(busy)
  while [ "$b" -gt "$QUIET_MAX" ] && [ $t -lt 60 ]; do sleep 2; t=$((t + 3)); b=$(busy); done
  echo "$b"
}
cold() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }

# --- what auto picks --------------------------------------------------------------------------
log "overlay_driver = auto: sandbox run -v"
auto_out=$(as_user $bin run -v "$work/profiles/auto.toml" -- /bin/true 2>&1) || { echo "$auto_out" >&2; exit 1; }
rm -rf "$work/auto"

# --- workloads --------------------------------------------------------------------------------
raw=$work/raw.tsv   # backend rep step ms busy%
errors=$work/errors  # a failed backend is reported and skipped, and the script exits 1
: > "$raw"; : > "$errors"
fail() { log "FAILED: $1: $2"; echo "$1: $2" >> "$errors"; }
step_names="create read-warm copyup write-1G (its-fsync) read-1G-warm read-cold read-1G-cold"
for rep in $(seq 1 "$REPS"); do
  for b in $BACKENDS; do
    d=$(data_dir "$b")
    rm -rf "$work/plain" "$work/${b:?}"
    if [ "$b" = plain ]; then
      install -d -o "$user" -g "$user" "$work/plain"
      cp -a "$work/lower/base" "$work/plain/base"
    fi
    # Phase 1: everything that writes; the lower files start cold.
    cold; load=$(quiet)
    log "rep $rep $b: phase 1 (busy $load%)"
    # shellcheck disable=SC2046 # sandbox_cmd is an argv without spaces in its words
    out=$(as_user $(sandbox_cmd "$b") "$fsb" create "$d/new" "$FILES" "$SIZE" read "$d/new" "$FILES" \
      append "$d/base" "$COPYUP" write "$d/big" "$BIG_MB" readf "$d/big" 2>&1) ||
      { fail "$b" "rep $rep phase 1: $(echo "$out" | grep -v '^fsb ' | head -3)"; continue; }
    echo "$out" | awk -v b="$b" -v r="$rep" -v l="$load" '
      $1 == "fsb" { sub("ms=", "", $3); n = ++k; name = (n == 1 ? "create" : n == 2 ? "read-warm" : n == 3 ? "copyup" : n == 4 ? "write-1G" : "read-1G-warm")
                    printf "%s\t%s\t%s\t%s\t%s\n", b, r, name, $3, l
                    if ($NF ~ /^fsync_ms=/) { sub("fsync_ms=", "", $NF); printf "%s\t%s\t%s\t%s\t%s\n", b, r, "(its-fsync)", $NF, l } }' >> "$raw"
    case $b in *-eph) continue ;; esac   # the upper layer went with the run
    # Phase 2: a new sandbox on the same layers, after root's sync + drop_caches.
    cold; load=$(quiet)
    log "rep $rep $b: phase 2 (busy $load%)"
    # shellcheck disable=SC2046
    out=$(as_user $(sandbox_cmd "$b") "$fsb" read "$d/new" "$FILES" readf "$d/big" 2>&1) ||
      { fail "$b" "rep $rep phase 2: $(echo "$out" | grep -v '^fsb ' | head -3)"; continue; }
    echo "$out" | awk -v b="$b" -v r="$rep" -v l="$load" '
      $1 == "fsb" { sub("ms=", "", $3); n = ++k; name = (n == 1 ? "read-cold" : "read-1G-cold")
                    printf "%s\t%s\t%s\t%s\t%s\n", b, r, name, $3, l }' >> "$raw"
    # The writes really are in the backend's upper layer (or the plain directory).
    case $b in
      plain) up=$work/plain ;;
      kernel) up=$work/kernel/upper$work/lower ;;
      fuse) up=$work/fuse/upper$work/lower ;;
    esac
    [ -s "$up/big" ] && [ -f "$up/base/f00000" ] && [ -f "$up/new/d000/f00000" ] ||
      fail "$b" "rep $rep: the writes are not in $up"
    [ "$b" = plain ] || [ "$(wc -c < "$work/lower/base/f00000")" = "$SIZE" ] ||
      fail "$b" "rep $rep: the lower layer was modified"
  done
  rm -rf "$work/plain" "$work/kernel" "$work/fuse"
done

# --- start-up cost ----------------------------------------------------------------------------
startup=$work/startup.tsv   # backend median_ms mean_ms stddev_ms min_ms busy%
done_startup=""
: > "$startup"
for b in plain $BACKENDS kernel-eph fuse-eph; do
  case " $done_startup " in *" $b "*) continue ;; esac
  done_startup="$done_startup $b"
  rm -rf "$work/plain" "$work/${b:?}"
  [ "$b" = plain ] && install -d -o "$user" -g "$user" "$work/plain"
  load=$(quiet)
  log "start-up: $b (busy $load%)"
  as_user hyperfine -N --style none --warmup 3 --runs "$STARTUP_RUNS" \
    --export-json "$work/startup.json" "$(sandbox_cmd "$b") /bin/true" > /dev/null
  jq -r --arg b "$b" --arg l "$load" '.results[0] | [$b, .median*1000, .mean*1000, .stddev*1000, .min*1000, $l] | @tsv' \
    "$work/startup.json" >> "$startup"
  rm -f "$work/startup.json"
done

# --- report -----------------------------------------------------------------------------------
echo
echo "## bench/fs.sh — $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, as $user"
echo
echo "sandbox $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(fuse-overlayfs --version 2>&1 | grep -m1 'fuse-overlayfs'), work dir $work on $(findmnt -n -o FSTYPE,SOURCE -T "$(dirname "$work")" | tr -s ' ')"
echo "plain: --bind $work/plain (read-write; root read-only). kernel/fuse: persistent overlay,"
echo "upper = $work/{kernel,fuse}/upper (same disk), lower = host / (the data in $work/lower)."
case " $BACKENDS " in *-eph*) echo "kernel-eph/fuse-eph: --overlay ephemeral: upper on a tmpfs (kernel: also 'volatile', no fsync)." ;; esac
echo "$FILES files of $SIZE B; $COPYUP copy-ups of $SIZE B lower files; ${BIG_MB} MiB sequential."
echo "Median of $REPS runs in ms (min..max), lower is better. 'warm' = same sandbox run as the"
echo "write; 'cold' = a new sandbox run after root's sync + echo 3 > drop_caches. create/copyup"
echo "exclude writeback (root syncs between runs), except the fsyncs the backend does itself."
echo
{
  printf '| workload |'; for b in $BACKENDS; do printf ' %s |' "$b"; done; echo
  printf '|---|'; for b in $BACKENDS; do printf -- '---:|'; done; echo
  for s in $step_names; do
    printf '| %s |' "$s"
    for b in $BACKENDS; do
      awk -F'\t' -v b="$b" -v s="$s" '$1 == b && $3 == s {print $4}' "$raw" | sort -g | awk '
        { v[NR] = $1 } END { if (NR == 0) { printf " - |"; exit }
          m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          if (NR == 1) printf " %.0f |", m; else printf " %.0f (%.0f..%.0f) |", m, v[1], v[NR] }'
    done
    echo
  done
}
if [ -s "$errors" ]; then echo; echo "FAILED (- in the table):"; sed 's/^/    /' "$errors"; fi
echo
echo "Machine busy % (1 s sample before each sandbox run; other builds share the 2 cores):"
awk -F'\t' '{ k = $1 " r" $2; if (!(k in seen)) { seen[k] = 1; o = o " " k "=" $5 "%" } } END { print " " o }' "$raw"
echo
echo "### Start-up + teardown: sandbox run PROFILE -- /bin/true (hyperfine, $STARTUP_RUNS runs, 3 warm-up)"
echo
echo "| backend | median ms | mean ± sd ms | min ms | busy % |"
echo "|---|---:|---:|---:|---:|"
awk -F'\t' '{ printf "| %s | %.1f | %.1f ± %.1f | %.1f | %s |\n", $1, $2, $3, $4, $5, $6 }' "$startup"
echo
echo "### overlay_driver = \"auto\" (sandbox run -v, persistent overlay in $work)"
echo
echo "$auto_out" | sed 's/^/    /'

failed=$(cat "$errors")
# --- nothing left behind ----------------------------------------------------------------------
cleanup
trap - EXIT
left=$(ours_fuse)
mounts=$(grep -c -e "$work" -e 'fuse-overlayfs' /proc/self/mountinfo || true)
echo
echo "After cleanup: fuse-overlayfs serving $work: ${left:-none}; fuse-overlayfs processes on the machine: $fuse_before before, $(pgrep -c fuse-overlayfs || true) after; mountinfo lines naming $work or fuse-overlayfs: $mounts; $work exists: $([ -e "$work" ] && echo yes || echo no)"
[ -z "$left" ] && [ "$mounts" = 0 ] && [ ! -e "$work" ] && [ -z "$failed" ]
