#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hvsim's two commands (see README.md):
#   ./run.sh        install what is missing, build, run the main job into out/
#   ./run.sh test   install what is missing, build, run the whole test suite:
#                   gcc (the compiler of record), ASan+UBSan, and clang
# Both are idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-main}
case "$mode" in
main | test) ;;
*)
	echo "usage: ./run.sh [test]" >&2
	exit 2
	;;
esac

packages=(cmake make pkg-config gcc clang libcriterion-dev libsdl2-dev libelf-dev libdw-dev libjansson-dev
	zlib1g-dev)
# The test suite also builds the real kvm_main.o from Debian's kernel source
# (docs/real-kvm.md): the source and the tools kbuild needs, named because
# they are only Recommends.
if [ "$mode" = test ]; then
	packages+=(linux-source-6.1 bc bison flex libssl-dev)
	# The viewer's smoke test (tests/view_smoke.sh) drives hvsim view on a virtual X server.
	packages+=(xvfb xdotool)
fi

install_missing() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=()
	[ "$(id -u)" -ne 0 ] && sudo=(sudo)
	echo "run.sh: installing ${missing[*]}"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

jobs=$(nproc 2>/dev/null || echo 2)

# build NAME [cmake options...]: configure once, then build incrementally.
build() {
	local name=$1
	shift
	if [ ! -f "build/$name/CMakeCache.txt" ]; then
		cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	fi
	cmake --build "build/$name" -j "$jobs" >/dev/null
}

install_missing
build gcc -DCMAKE_C_COMPILER=gcc

if [ "$mode" = main ]; then
	./build/gcc/hvsim examples --out out
	echo
	exec ./build/gcc/hvsim test --out out scenarios/
fi

status=0
for variant in gcc asan clang; do
	case "$variant" in
	asan) build asan -DCMAKE_C_COMPILER=gcc -DHVSIM_SANITIZE=ON ;;
	clang) build clang -DCMAKE_C_COMPILER=clang ;;
	esac
	echo "== tests: $variant"
	ctest --test-dir "build/$variant" -j "$jobs" --output-on-failure || status=1
done
exit $status
