#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Join a kvm_main.o built by build.sh with the kernel-header glue into one
# object hvsim can link (docs/real-kvm.md, "Linking"):
#
#   tools/kvm-tree/link.sh [--edit SED_SCRIPT] OBJTREE OUTDIR [HVSIM_LIB...]
#
# OBJTREE is what build.sh printed. With --edit, a copy of kvm_main.c with
# the sed script applied, compiled the same way, stands in for the tree's
# kvm_main.o (the change lives with the test that needs it). In OUTDIR it
# writes:
#   kvm61.o       kvm_main.o, the arch-side adapter glue/arch61*.c (built
#                 as KVM is, instrumented) and the machine's glue
#                 glue/k61_*.c (not instrumented), joined (ld -r), with every
#                 global it defines and every symbol it still needs renamed
#                 NAME -> k61_NAME, but for the sanitizer hooks and the
#                 glue's own k61_ names: nothing binds to hvsim's or libc's
#                 namesakes (6.1's mutex_lock takes another struct mutex,
#                 its memcpy is a range access, hv/ has its own
#                 kvm_vcpu_kick); its per-CPU sections renamed k61_percpu
#                 (ld would fold .data..percpu into .data)
#   needs.txt     the names the object needs, one per line (without k61_)
#   clashes.txt   the globals it defines that an HVSIM_LIB defines too
#   k61_stubs.c   a function k61_NAME for each needed NAME no HVSIM_LIB
#                 defines as k61_NAME (the hvsim side of the glue, to come):
#                 it ends the run with "not modelled: NAME" (not_modelled()
#                 in hvsim/kernel.h) the first time it runs
# Exit 2 for bad arguments, 1 when a step fails.
set -euo pipefail

die() {
	echo "kvm-tree: link: $2" >&2
	exit "$1"
}

edit=
if [ "${1:-}" = --edit ]; then
	[ $# -ge 2 ] || die 2 "--edit needs a sed script"
	edit=$2
	[ -f "$edit" ] || die 2 "$edit: no such file"
	shift 2
fi
[ $# -ge 2 ] || die 2 "usage: link.sh [--edit SED_SCRIPT] OBJTREE OUTDIR [HVSIM_LIB...]"
objtree=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
cmdfile=$objtree/hvsim-compile.cmd
object=$objtree/virt/kvm/kvm_main.o
[ -f "$cmdfile" ] && [ -f "$object" ] || die 2 "$objtree: no kvm_main.o or hvsim-compile.cmd (run build.sh first)"
for lib in "$@"; do
	[ -f "$lib" ] || die 2 "$lib: no such library"
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The recorded compile command without its source, output, dependency
# file and objtool pass: for the arch-side adapter (glue/arch61*.c), which
# is KVM code under test, as it is; for the machine's glue (glue/k61_*.c),
# without the sanitizer.
rundir=$(sed -n 1p "$cmdfile")
compile_kvm=$(sed -n 2p "$cmdfile" | sed -e 's/ ; .*//' -e 's/-Wp,-MMD,[^ ]*//' \
	-e 's/ -c -o [^ ]* [^ ]*kvm_main\.c *$//')
case "$compile_kvm" in
*kvm_main.c* | *" -o "*) die 1 "cannot take the source and output out of the recorded command in $cmdfile" ;;
esac
compile_glue=$(echo "$compile_kvm" | sed -e 's/-fsanitize=thread//' -e 's/--param tsan-[a-z-]*=[0-9]*//g')

# The source the recorded command compiled: the tree's virt/kvm/kvm_main.c.
source=$(sed -n 2p "$cmdfile" | sed -e 's/ ; .*//' -e 's/ *$//' | awk '{print $NF}')
[ -f "$source" ] || source=$rundir/$source
[ -f "$source" ] || die 1 "cannot find the source the recorded command compiled"

# An edited copy of kvm_main.c instead of the tree's object (a test's
# pre-fix variant): the copy, with @edit applied, compiled by the recorded
# command, its own directory's headers first as for the original. The
# script must change something.
if [ -n "$edit" ]; then
	sed -f "$edit" "$source" >"$out/kvm_main.c" || die 1 "sed -f $edit failed"
	if cmp -s "$source" "$out/kvm_main.c"; then
		die 1 "$edit changes nothing in $source"
	fi
	echo "kvm-tree: link: $(diff "$source" "$out/kvm_main.c" | grep -c '^>') lines edited by $(basename "$edit")" >&2
	(cd "$rundir" && eval "$compile_kvm -iquote '$(dirname "$source")' -c -o '$out/kvm_main.o' '$out/kvm_main.c'") ||
		die 1 "compiling the edited kvm_main.c failed"
	object=$out/kvm_main.o
fi

# The tree's own library code kvm_main.o calls, built from the same tree
# and the same way (instrumented, as the kernel builds lib/): the bit
# searches behind cpumask_empty() and for_each_set_bit(), and the bitmap
# operations.
srctree=$(cd "$(dirname "$source")/../.." && pwd)
[ -f "$srctree/lib/find_bit.c" ] || die 1 "$srctree: no lib/find_bit.c: not the tree kvm_main.c came from"
tree_sources=(lib/find_bit.c lib/bitmap.c)

glue=()
for rel in "${tree_sources[@]}"; do
	o=$out/tree_$(basename "${rel%.c}").o
	(cd "$rundir" && eval "$compile_kvm -iquote '$srctree/$(dirname "$rel")' -c -o '$o' '$srctree/$rel'") ||
		die 1 "compiling $srctree/$rel failed"
	glue+=("$o")
done
for src in "$here"/glue/k61_*.c "$here"/glue/arch61*.c; do
	o=$out/$(basename "${src%.c}").o
	case "$(basename "$src")" in
	arch61*) compile=$compile_kvm ;;
	*) compile=$compile_glue ;;
	esac
	(cd "$rundir" && eval "$compile -c -o '$o' '$src'") || die 1 "compiling $src failed"
	glue+=("$o")
done

ld -r -o "$out/joined.o" "$object" "${glue[@]}" || die 1 "ld -r failed"

# What the joined object still needs, but for the sanitizer hooks hvsim's
# engine implements.
nm -u "$out/joined.o" | awk '{print $2}' | grep -vE '^(__tsan_|__kcsan_|k61_|__start_|__stop_)' | sort -u >"$out/needs.txt"
# The globals it defines; those hvsim's libraries define too, for the record.
nm -g --defined-only "$out/joined.o" | awk 'NF == 3 {print $3}' | grep -v '^k61_' |
	sort -u >"$out/defines.txt"
: >"$out/hvsim.txt"
if [ $# -gt 0 ]; then
	nm -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u >"$out/hvsim.txt"
fi
comm -12 "$out/defines.txt" "$out/hvsim.txt" >"$out/clashes.txt"
# The sanitizer hooks, to the engine's twins that realign the stack: the
# kernel's code keeps it aligned to 8 only (sim/engine/tsan.c).
nm -u "$out/joined.o" | awk '{print $2}' | grep -E '^(__tsan_|__kcsan_)' | sort -u |
	awk '{print $1 " hvsim_kabi" $1}' >"$out/redefine.txt"
cat "$out/needs.txt" "$out/defines.txt" | awk '{print $1 " k61_" $1}' >>"$out/redefine.txt"

# Sections, by name and flags. Every per-CPU input section (.data..percpu,
# ..read_mostly, ..shared_aligned, ...) goes into one: the template, between
# __start_k61_percpu and __stop_k61_percpu in the final link. The rest go
# where hvsim_add_instrumented() puts instrumented code's (cmake/hvsim.cmake):
# code into hvsim_text (a fault there is the code's, not hvsim's), writable
# data into hvsim_data and hvsim_bss (restored at every run, known to the
# memory oracle and the trace: .data, .ref.data, __tracepoints, __bug_table,
# .static_call_sites, .data..read_mostly, ...), read-only data into
# hvsim_rodata. Constructors (.init_array) stay. __bug_table, the WARN and
# BUG sites, becomes k61_bug_table, for glue/k61_bug.c to search.
sections=()
while read -r name type flags; do
	case "$name:$type:$flags" in
	.data..percpu*) sections+=(--rename-section "$name=k61_percpu") ;;
	__bug_table:*) sections+=(--rename-section "$name=k61_bug_table") ;;
	*:INIT_ARRAY:* | *:FINI_ARRAY:*) ;;
	*:PROGBITS:*X*) sections+=(--rename-section "$name=hvsim_text") ;;
	*:PROGBITS:*W*) sections+=(--rename-section "$name=hvsim_data") ;;
	*:NOBITS:*W*) sections+=(--rename-section "$name=hvsim_bss") ;;
	*:PROGBITS:*A*) sections+=(--rename-section "$name=hvsim_rodata") ;;
	esac
done < <(readelf -S -W "$out/joined.o" | grep -E '^ *\[ *[0-9]+\]' |
	sed 's/^ *\[ *[0-9]*\] *//' | awk 'NF >= 10 {print $1, $2, $(NF - 3)}')
objcopy --redefine-syms="$out/redefine.txt" "${sections[@]}" \
	"$out/joined.o" "$out/kvm61.o" || die 1 "objcopy failed"
rm -f "$out/joined.o"

# Stubs for what hvsim's side of the glue does not implement.
: >"$out/provided.txt"
if [ $# -gt 0 ]; then
	grep '^k61_' "$out/hvsim.txt" | sed 's/^k61_//' >"$out/provided.txt" || true
fi
comm -23 "$out/needs.txt" "$out/provided.txt" >"$out/stubbed.txt"
{
	echo "/* Generated by tools/kvm-tree/link.sh from $(basename "$object"): do not edit. */"
	echo "__attribute__((noreturn)) void not_modelled(const char *what, const void *caller);"
	while read -r name; do
		echo "__attribute__((force_align_arg_pointer)) void k61_$name(void);"
		echo "void k61_$name(void) { not_modelled(\"$name\", __builtin_return_address(0)); }"
	done <"$out/stubbed.txt"
} >"$out/k61_stubs.c"
echo "kvm-tree: link: $(wc -l <"$out/defines.txt") globals defined ($(wc -l <"$out/clashes.txt") clash with hvsim's), $(wc -l <"$out/needs.txt") needed ($(wc -l <"$out/stubbed.txt") stubbed)" >&2
