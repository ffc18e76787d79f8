#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What an object built by build.sh asks of hvsim (docs/real-kvm.md):
#
#   tools/kvm-tree/inspect.sh OBJECT [KERNEL_H]
#
# Prints its undefined symbols by kind (sanitizer hooks; names hvsim's
# include/hvsim/kernel.h also declares, whose 6.1 layouts differ and must be
# renamed at link; the rest, to be defined by the glue or stubbed), the
# instrumentation call sites, and its instructions that user space cannot
# execute. Exit 1 when the object is not one hvsim can run: no KCSAN
# instrumentation (function entry/exit hooks, signal fences) or a
# privileged instruction; 2 for bad arguments.
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: inspect.sh OBJECT [KERNEL_H]" >&2; exit 2; }
object=$1
kernel_h=${2:-$(dirname "$0")/../../include/hvsim/kernel.h}
[ -f "$object" ] || { echo "inspect: $object: no such file" >&2; exit 2; }
[ -f "$kernel_h" ] || { echo "inspect: $kernel_h: no such file" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -u "$object" | awk '{print $2}' | sort -u >"$tmp/undef"
grep -E '^(__tsan_|__kcsan_)' "$tmp/undef" >"$tmp/hooks" || true
# Function names kernel.h declares: an identifier followed by '(' on a
# line that starts a declaration (not a macro, not a comment).
grep -vE '^\s*(#|\*|/\*|//)' "$kernel_h" |
	grep -oE '\b[a-z_][a-z0-9_]*\s*\(' | tr -d ' (' | sort -u >"$tmp/kernel_h"
grep -vE '^(__tsan_|__kcsan_)' "$tmp/undef" >"$tmp/rest"
comm -12 "$tmp/rest" "$tmp/kernel_h" >"$tmp/clash"
comm -23 "$tmp/rest" "$tmp/kernel_h" >"$tmp/other"

objdump -dr --no-show-raw-insn "$object" >"$tmp/dis"
calls=$(grep -cE 'R_X86_64_PLT32\s+__tsan_' "$tmp/dis" || true)
# Instructions only ring 0 may execute (or that trap in user space).
privileged='^(vmxon|vmxoff|vmlaunch|vmresume|vmread|vmwrite|vmptrld|vmptrst|vmclear|invept|invvpid|vmcall|rdmsr|wrmsr|cli|sti|hlt|lgdt|lidt|lldt|ltr|invlpg|invpcid|wbinvd|invd|swapgs|sysret[lq]?|iret[lq]?|clts|lmsw|xsetbv|in[bwl]?|out[bwl]?|ins[bwl]?|outs[bwl]?)$'
awk -F'\t' 'NF >= 2 { split($2, a, " "); print a[1] }' "$tmp/dis" | sort | uniq -c |
	awk -v re="$privileged" '$2 ~ re { print $2 " x" $1 }' >"$tmp/priv"
grep -E '\smov\s+%(cr|dr)[0-9]|\smov\s+[^,]+,%(cr|dr)[0-9]' "$tmp/dis" >>"$tmp/priv" || true

echo "object: $object"
echo "undefined symbols: $(wc -l <"$tmp/undef")"
echo "  sanitizer hooks: $(wc -l <"$tmp/hooks") ($(tr '\n' ' ' <"$tmp/hooks"))"
echo "  also declared by hvsim's kernel.h (to rename at link): $(wc -l <"$tmp/clash")"
sed 's/^/    /' "$tmp/clash"
echo "  others (glue or generated stubs): $(wc -l <"$tmp/other")"
echo "instrumentation call sites: $calls"
echo "privileged instructions: $(wc -l <"$tmp/priv")"
sed 's/^/  /' "$tmp/priv"

status=0
for hook in __tsan_func_entry __tsan_func_exit __tsan_atomic_signal_fence; do
	if ! grep -qx "$hook" "$tmp/hooks"; then
		echo "inspect: no $hook: not built with CONFIG_KCSAN_STRICT (KCSAN_WEAK_MEMORY)" >&2
		status=1
	fi
done
if [ -s "$tmp/priv" ]; then
	echo "inspect: the object executes privileged instructions: hvsim runs it in user space" >&2
	status=1
fi
exit $status
