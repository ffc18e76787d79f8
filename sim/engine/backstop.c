// SPDX-License-Identifier: MIT
#include "engine/machine.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "engine/machine_int.h"

/*
 * The backstop for bad pointers the per-access checks did not catch (or
 * that ran with them off): a SIGSEGV or SIGBUS in instrumented code ends
 * the run with an oops report and returns to the host; hvsim survives. So
 * does a SIGILL, unless the program's trap decoder (sim_on_trap()) takes
 * it as a WARN to go on from or a BUG it reported. A
 * fault anywhere else is not ours: it goes to the handler that was there
 * before (chained), or kills the process as a simulator bug.
 *
 * The handler is the process's, so it is installed once, by the first
 * machine, and stays: machines can then be created and destroyed in any
 * order. It finds its machine through sim_current, and acts only while a
 * run is in instrumented code.
 */
extern char __start_hvsim_text[] __attribute__((weak));
extern char __stop_hvsim_text[] __attribute__((weak));

/* Process-wide by nature (signal dispositions are): set once, then read-only. */
static struct sigaction oops_prev_segv, oops_prev_bus, oops_prev_ill;
static bool oops_installed;
static char oops_altstack[64 * 1024] __attribute__((aligned(16)));

static void oops_chain(int sig, siginfo_t *si, void *ucv)
{
	const struct sigaction *prev = sig == SIGSEGV ? &oops_prev_segv :
				       sig == SIGBUS ? &oops_prev_bus : &oops_prev_ill;

	if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
		prev->sa_sigaction(sig, si, ucv);
		return;
	}
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN && prev->sa_handler) {
		prev->sa_handler(sig);
		return;
	}
	/* Re-executes the faulting access, now fatal: a simulator bug. */
	signal(sig, SIG_DFL);
}

static bool is_ud2(uintptr_t rip)
{
	const unsigned char *p = (const unsigned char *)rip;

	return p[0] == 0x0f && p[1] == 0x0b;
}

static void oops_handler(int sig, siginfo_t *si, void *ucv)
{
	struct machine *m = sim_current;
	const ucontext_t *uc = ucv;
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];

	if (!m->running || !m->cur_task || !__start_hvsim_text ||
	    rip < (uintptr_t)__start_hvsim_text || rip >= (uintptr_t)__stop_hvsim_text) {
		oops_chain(sig, si, ucv);
		return;
	}
	if (sig == SIGILL && m->trap && is_ud2(rip)) {
		switch (m->trap(rip, m->trap_arg)) {
		case SIM_TRAP_RESUME:
			((ucontext_t *)ucv)->uc_mcontext.gregs[REG_RIP] = (greg_t)(rip + 2);
			return;
		case SIM_TRAP_END:
			sig = 0;	/* reported: backstop_end() adds no oops */
			break;
		case SIM_TRAP_OOPS:
			break;
		}
	}
	m->oops_sig = sig;
	m->oops_addr = (uintptr_t)si->si_addr;
	m->oops_rip = rip;
	ctx_escape_prepare(&m->host);
	siglongjmp(m->oops_jmp, 1);
}

int backstop_install(void)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = oops_altstack, .ss_size = sizeof(oops_altstack) };

	if (oops_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = oops_handler;
	/* NODEFER: siglongjmp leaves the handler without a mask to restore. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, &oops_prev_segv) ||
	    sigaction(SIGBUS, &sa, &oops_prev_bus))
		return -errno;
	/*
	 * A trap (ud2) runs its decoder, which may write a WARN's report and
	 * go on: on the task's own stack, not the 64 KiB one a fault needs.
	 */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGILL, &sa, &oops_prev_ill))
		return -errno;
	oops_installed = true;
	return 0;
}

/* The run ended in the backstop: the floors above write the oops. */
void backstop_end(struct machine *m)
{
	ctx_escape_finish();
	m->outcome = SIM_FAILED;
	if (!m->oops_sig) {
		/* A trap the program's decoder reported (sim_on_trap()). */
		snprintf(m->message, sizeof(m->message), "%s", m->first_title);
		return;
	}
	snprintf(m->message, sizeof(m->message), "oops in instrumented code (signal %d)",
		 m->oops_sig);
	if (m->hooks->oops)
		m->hooks->oops(m, m->oops_sig, m->oops_addr, m->oops_rip);
}
