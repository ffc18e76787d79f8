#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fuzz every input hvsim parses with libFuzzer (docs/scenarios.md, "Fuzzing"):
#   fuzz/run.sh [SECONDS] [NAME...]
# NAME: scenario token trace model machine (default: all, one after another,
# SECONDS each, default 60). Builds with clang into build/fuzz, the whole
# simulator instrumented for coverage and ASan+UBSan; new inputs go to
# build/fuzz/corpus-NAME, crashes to build/fuzz/crashes/. The committed
# seeds in fuzz/corpus/NAME are only read. Exit 1 if a harness crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case "$seconds" in
'' | *[!0-9]*)
	echo "usage: fuzz/run.sh [SECONDS] [scenario|token|trace|model|machine...]" >&2
	exit 2
	;;
esac
shift || true
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(scenario token trace model machine)

build=build/fuzz
if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
		-DHVSIM_FUZZ_SMOKE=OFF \
		-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
		>/dev/null
fi
targets=()
for n in "${names[@]}"; do
	targets+=(--target "fuzz_$n")
done
# Only the harnesses and what they link: the instrumented programs (TSan)
# cannot be built with ASan flags.
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" "${targets[@]}" >/dev/null

mkdir -p "$build/crashes"
status=0
for n in "${names[@]}"; do
	mkdir -p "$build/corpus-$n"
	echo "== fuzz_$n: ${seconds}s"
	if ! "$build/fuzz/fuzz_$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/crashes/$n-" \
		"$build/corpus-$n" "fuzz/corpus/$n" 2>"$build/fuzz_$n.log"; then
		echo "fuzz_$n: CRASH (log: $build/fuzz_$n.log, inputs: $build/crashes/$n-*)"
		status=1
	fi
	grep -E "^stat::number_of_executed_units|^Done" "$build/fuzz_$n.log" || true
done
exit $status
