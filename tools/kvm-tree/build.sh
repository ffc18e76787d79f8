#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build virt/kvm/kvm_main.o from a Linux tree, configured the way hvsim runs
# it (docs/real-kvm.md):
#
#   tools/kvm-tree/build.sh [--tree DIR] [--cache DIR] [--jobs N] [--where]
#
# --tree DIR   a clean Linux source tree (default: Debian's linux-source-6.1,
#              unpacked once into the cache from /usr/src)
# --cache DIR  where unpacked sources and object trees live (default:
#              $HVSIM_KERNEL_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/hvsim/kernel);
#              outside every build directory, so the three test builds share it
# --where      print the object tree this tree builds into, and build nothing
#
# The kernel is built out of tree (make O=...): the source tree is never
# written. The last line of stdout is the object tree; in it,
# virt/kvm/kvm_main.o and hvsim-compile.cmd, the command that compiled it
# (with the directory it ran in on the first line). Exit 2 for bad
# arguments or a tree that cannot be used, 1 when a step fails; every
# failure says which step and what.
set -euo pipefail

die() {
	echo "kvm-tree: $2" >&2
	exit "$1"
}

tree=
cache=${HVSIM_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hvsim/kernel}
jobs=$(nproc 2>/dev/null || echo 2)
where=0
while [ $# -gt 0 ]; do
	case "$1" in
	--tree) [ $# -ge 2 ] || die 2 "--tree needs a directory"; tree=$2; shift 2 ;;
	--cache) [ $# -ge 2 ] || die 2 "--cache needs a directory"; cache=$2; shift 2 ;;
	--jobs) [ $# -ge 2 ] || die 2 "--jobs needs a number"; jobs=$2; shift 2 ;;
	--where) where=1; shift ;;
	*) die 2 "unknown argument '$1' (expected --tree DIR, --cache DIR, --jobs N or --where)" ;;
	esac
done

debian_tarball=/usr/src/linux-source-6.1.tar.xz
mkdir -p "$cache" || die 2 "cannot create the cache $cache"
cache=$(cd "$cache" && pwd)

# The default tree: Debian's package, unpacked once (under a lock: the three
# test builds may ask at the same time).
if [ -z "$tree" ]; then
	tree=$cache/src/linux-source-6.1
	if [ "$where" = 0 ] && [ ! -f "$tree/.hvsim-unpacked" ]; then
		[ -f "$debian_tarball" ] ||
			die 2 "$debian_tarball: missing (apt-get install linux-source-6.1, or pass --tree DIR)"
		mkdir -p "$cache/src"
		exec 8>"$cache/src/.lock"
		flock 8
		if [ ! -f "$tree/.hvsim-unpacked" ]; then
			start=$SECONDS
			rm -rf "$tree"
			tar -C "$cache/src" -xf "$debian_tarball" || die 1 "unpacking $debian_tarball failed"
			touch "$tree/.hvsim-unpacked"
			echo "kvm-tree: unpacked $debian_tarball in $((SECONDS - start)) s" >&2
		fi
		exec 8>&-
	fi
fi
[ "$where" = 1 ] || [ -f "$tree/virt/kvm/kvm_main.c" ] ||
	die 2 "$tree: not a Linux tree (no virt/kvm/kvm_main.c)"
# Its absolute path (the default tree may not be unpacked yet: --where
# names where it will be, and the object tree that goes with it).
if [ -d "$tree" ]; then
	tree=$(cd "$tree" && pwd)
elif [ "$where" = 0 ] || [ "${tree#/}" = "$tree" ]; then
	die 2 "$tree: no such directory"
fi

# One object tree per source tree, named by its path.
key=$(basename "$tree")-$(printf '%s' "$tree" | sha256sum | cut -c1-12)
obj=$cache/obj/$key
if [ "$where" = 1 ]; then
	echo "$obj"
	exit 0
fi
[ ! -e "$tree/.config" ] && [ ! -d "$tree/include/config" ] ||
	die 2 "$tree: configured in place (has .config): kbuild builds out of tree only from a clean tree; run 'make mrproper' there"
mkdir -p "$obj"
exec 9>"$obj/.lock"
flock 9

kmake() {
	make -C "$tree" O="$obj" -j "$jobs" -s "$@"
}

# step NAME COMMAND...: run it, time it, and name it when it fails.
step() {
	local name=$1 start=$SECONDS
	shift
	if ! "$@" >"$obj/$name.log" 2>&1; then
		tail -20 "$obj/$name.log" >&2
		die 1 "step '$name' failed (log: $obj/$name.log)"
	fi
	echo "kvm-tree: $name: $((SECONDS - start)) s" >&2
}

# The configuration: x86_64_defconfig, KVM built in with VMX, KCSAN in its
# strict mode (whose weak-memory modelling emits function entry/exit hooks
# and every barrier as __tsan_atomic_signal_fence), and nothing that
# patches or redirects code at run time or reads %gs behind hvsim's back.
# Debug information too, so that reports give the tree's file:line.
enable=(KVM KVM_INTEL KCSAN KCSAN_STRICT DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT)
disable=(KVM_AMD STACKPROTECTOR STACKPROTECTOR_STRONG JUMP_LABEL RETPOLINE RETHUNK
	MITIGATION_RETPOLINE MITIGATION_RETHUNK KASAN DEBUG_INFO_NONE)
# What must hold after olddefconfig, which drops unmet options silently.
want_y=(KVM KVM_INTEL KCSAN KCSAN_STRICT KCSAN_WEAK_MEMORY PREEMPT_DYNAMIC PREEMPT_COUNT
	DEBUG_INFO)
want_unset=(STACKPROTECTOR JUMP_LABEL RETPOLINE RETHUNK MITIGATION_RETPOLINE MITIGATION_RETHUNK KASAN)

configure() {
	local args=() o
	kmake x86_64_defconfig
	for o in "${enable[@]}"; do args+=(-e "$o"); done
	for o in "${disable[@]}"; do args+=(-d "$o"); done
	"$tree/scripts/config" --file "$obj/.config" "${args[@]}"
	kmake olddefconfig
}

check_config() {
	local o bad=()
	for o in "${want_y[@]}"; do
		grep -qx "CONFIG_$o=y" "$obj/.config" || bad+=("CONFIG_$o is not y")
	done
	for o in "${want_unset[@]}"; do
		grep -q "^CONFIG_$o=" "$obj/.config" && bad+=("CONFIG_$o is set")
	done
	if [ ${#bad[@]} -gt 0 ]; then
		printf 'kvm-tree: %s\n' "${bad[@]}" >&2
		die 1 "olddefconfig did not keep the configuration hvsim needs ($obj/.config)"
	fi
}

# The configuration is redone only when this script changed since.
stamp=$(sha256sum "$0" | cut -c1-16)
if [ "$(cat "$obj/.hvsim-config" 2>/dev/null)" != "$stamp" ]; then
	step configure configure
	check_config
	echo "$stamp" >"$obj/.hvsim-config"
fi
check_config
step prepare kmake prepare
# kvm_main.o as arch/x86/kvm builds it: its KBUILD_MODNAME and flags.
target=arch/x86/kvm/../../../virt/kvm/kvm_main.o
step kvm_main.o kmake "$target"

# The command that compiled it, for building edited copies the same way.
cmdfile=$obj/virt/kvm/.kvm_main.o.cmd
[ -f "$cmdfile" ] || die 1 "$cmdfile: missing after the build"
{
	echo "$obj"
	sed -n '1s/^cmd_[^ ]* := //p' "$cmdfile"
} >"$obj/hvsim-compile.cmd"
echo "$obj"
