/* SPDX-License-Identifier: MIT */
/*
 * void ctx_swap_raw(void **save_sp, void *load_sp)
 *
 * Push the System V callee-saved registers, store rsp into *save_sp, load
 * load_sp and pop the other context's registers. The return address on the
 * loaded stack resumes it. MXCSR and the x87 control word are never changed
 * by simulated code, so they are not saved.
 */
	.text
	.globl	ctx_swap_raw
	.type	ctx_swap_raw, @function
ctx_swap_raw:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	ctx_swap_raw, .-ctx_swap_raw

/*
 * First code run on a new stack: r12 holds the entry function, r13 its
 * argument (both popped by ctx_swap_raw from the frame ctx_make built).
 * rsp is 16-byte aligned here, as a call expects. ctx_boot never returns.
 */
	.globl	ctx_trampoline
	.type	ctx_trampoline, @function
ctx_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	movq	%r13, %rsi
	callq	ctx_boot
	ud2
	.cfi_endproc
	.size	ctx_trampoline, .-ctx_trampoline

	.section .note.GNU-stack,"",@progbits
