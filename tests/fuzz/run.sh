#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# Runs each libFuzzer target of BUILD_DIR (configured with CC=clang
# -DTCPCONFORM_FUZZ=ON) for SECONDS, one after the other (never in parallel: the
# machine is shared), on a scratch copy of its seed corpus so nothing is written into
# the repository. Prints per target the executions done and libFuzzer's final line.
# Exits non-zero when a target crashes, leaks, times out or fails to start, and prints
# the path of the reproducer libFuzzer saved (kept under the scratch directory, which
# is then not removed). Targets default to all three. A fuzzer left running by a kill -9
# of this script still stops by itself after SECONDS (-max_total_time).
set -u

usage() {
	echo "usage: $0 BUILD_DIR SECONDS [segment|tpl|agent_proto ...]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
build=$1 secs=$2
shift 2
case $secs in '' | *[!0-9]*) echo "$0: SECONDS must be a whole number, got \"$secs\"" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(segment tpl agent_proto)

# Scratch directories carry the pid of the run.sh that made them: one left behind by a
# run that was killed with -9 (its pid gone, no reproducer kept in it) is removed here.
tmp=${TMPDIR:-/tmp}
for d in "$tmp"/tcpconform-fuzz.*.*; do
	[ -d "$d" ] || continue
	owner=${d#"$tmp"/tcpconform-fuzz.}
	owner=${owner%%.*}
	case $owner in '' | *[!0-9]*) continue ;; esac
	[ -e "$d/KEEP" ] || kill -0 "$owner" 2>/dev/null || rm -rf "$d"
done
scratch=$(mktemp -d "$tmp/tcpconform-fuzz.$$.XXXXXX") || exit 1
keep=0
cleanup() { [ "$keep" = 1 ] && touch "$scratch/KEEP" || rm -rf "$scratch"; }
trap cleanup EXIT
# Ctrl-C or kill: stop the running fuzzer (ours, by pid) before leaving.
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; exit 130' INT TERM

status=0
total=0
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz_$t
	seeds=$here/corpus/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz_$t: $bin not found; build it with: CC=clang cmake -S . -B $build" \
		     "-DTCPCONFORM_FUZZ=ON && cmake --build $build --target fuzz" >&2
		status=1
		continue
	fi
	if [ ! -d "$seeds" ]; then
		echo "fuzz_$t: no seed corpus at $seeds" >&2
		status=1
		continue
	fi
	work=$scratch/$t
	mkdir -p "$work/corpus" "$work/artifacts"
	cp "$seeds"/* "$work/corpus/"
	log=$work/log
	# -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	pid=
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	final=$(grep -E '^(#[0-9]+|Done [0-9]+ runs|SUMMARY: )' "$log" | tail -1)
	echo "fuzz_$t: ${execs:-0} executions in ${secs}s; final: ${final:-none}"
	total=$((total + ${execs:-0}))
	repro=$(ls "$work"/artifacts/ 2>/dev/null | head -1)
	if [ "$rc" -ne 0 ] || [ -n "$repro" ]; then
		status=1
		keep=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z_]+:|.*runtime error)' "$log" | head -5
		echo "fuzz_$t: FAILED (exit $rc); log $log"
		for f in "$work"/artifacts/*; do
			[ -e "$f" ] && echo "fuzz_$t: reproducer $f (replay: $bin $f)"
		done
	fi
done
echo "total: $total executions"
exit $status
