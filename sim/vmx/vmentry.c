// SPDX-License-Identifier: MIT
/*
 * The VM-entry check table (checks.def) made into data, and the runners
 * VMLAUNCH/VMRESUME use: one context per entry, the rows of a group in
 * table order, the first failing row ends the entry.
 *
 * A failing row is a guest- or hypervisor-visible outcome, never a
 * simulator bug: nothing here asserts on what the VMCS holds.
 */
#include "vmx/vmentry.h"

#include <stdio.h>

#include "engine/bug.h"
#include "vmx/checks.h"

/* What a failing row of each group ends entry with. */
#define GROUP_ERROR_CONTROLS	VMXERR_ENTRY_INVALID_CONTROLS
#define GROUP_ERROR_HOST_STATE	VMXERR_ENTRY_INVALID_HOST_STATE
#define GROUP_ERROR_GUEST_STATE	EXIT_REASON_INVALID_STATE
#define GROUP_ERROR_MSR_LOAD	EXIT_REASON_MSR_LOAD_FAIL

#define VMX_CHECK(group_, id_, section_, qual_, fn, desc_)			\
	{ .id = (id_), .group = VMX_CHECK_##group_,				\
	  .error = GROUP_ERROR_##group_, .qual = (qual_),		\
	  .section = (section_), .desc = (desc_), .holds = vmx_chk_##fn },

const struct vmx_check vmx_entry_checks[] = {
#include "checks.def"
};

#undef VMX_CHECK

const unsigned int vmx_nr_entry_checks = sizeof(vmx_entry_checks) / sizeof(vmx_entry_checks[0]);

const struct vmx_check *vmx_checks(unsigned int *n)
{
	*n = vmx_nr_entry_checks;
	return vmx_entry_checks;
}

const char *vmx_check_id(const struct vmx_check *r)
{
	return r->id;
}

const struct vmx_check *vmx_checks_of(enum vmx_check_group group, unsigned int *n)
{
	unsigned int first = 0, count = 0;

	while (first < vmx_nr_entry_checks && vmx_entry_checks[first].group != group)
		first++;
	while (first + count < vmx_nr_entry_checks &&
	       vmx_entry_checks[first + count].group == group)
		count++;
	*n = count;
	return &vmx_entry_checks[first];
}

const char *vmx_check_group_name(enum vmx_check_group group)
{
	switch (group) {
	case VMX_CHECK_CONTROLS:
		return "controls";
	case VMX_CHECK_HOST_STATE:
		return "host-state";
	case VMX_CHECK_GUEST_STATE:
		return "guest-state";
	case VMX_CHECK_MSR_LOAD:
		return "msr-load";
	case VMX_NR_CHECK_GROUPS:
		break;
	}
	return "?";
}

bool vmx_check_group_exits(enum vmx_check_group group)
{
	return group == VMX_CHECK_GUEST_STATE || group == VMX_CHECK_MSR_LOAD;
}

/* "error 7", "exit 33", "exit 33, qualification 4", "exit 34, qualification: entry" */
static void outcome(const struct vmx_check *r, char *buf, size_t len)
{
	if (!vmx_check_group_exits(r->group))
		snprintf(buf, len, "error %d", r->error);
	else if (r->qual == VMX_QUAL_MSR_ENTRY)
		snprintf(buf, len, "exit %d, qualification: the entry", r->error);
	else if (r->qual)
		snprintf(buf, len, "exit %d, qualification %d", r->error, r->qual);
	else
		snprintf(buf, len, "exit %d", r->error);
}

size_t vmx_checks_render(const struct vmx_check *rows, unsigned int n, char *buf, size_t len)
{
	size_t used = 0;
	char out[64];
	int k;

	k = snprintf(buf, len, "| id | group | fails with | SDM section | rule |\n"
			       "| --- | --- | --- | --- | --- |\n");
	used += (size_t)k;
	for (unsigned int i = 0; i < n; i++) {
		outcome(&rows[i], out, sizeof(out));
		k = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
			     "| `%s` | %s | %s | %s | %s |\n", rows[i].id,
			     vmx_check_group_name(rows[i].group), out, rows[i].section,
			     rows[i].desc);
		used += (size_t)k;
	}
	return used;
}

void vmx_check_ctx_init(struct vmx_check_ctx *c, const struct cpu_model *m,
			const struct vmcs *v, const struct vmx_phys_reader *mem,
			const uint64_t *msr_val)
{
	*c = (struct vmx_check_ctx){ .m = m, .v = v, .mem = mem, .msr_val = msr_val };
	c->maxphyaddr = model_maxphyaddr(m);
	/* A model file bounds MAXPHYADDR to 36-52; a shift of 64 would be UB. */
	SIM_BUG_ON(c->maxphyaddr == 0 || c->maxphyaddr >= 64);
	c->linaddr = model_linaddr(m);
	c->cr0_fixed0 = model_cr0_fixed0(m);
	c->cr0_fixed1 = model_cr0_fixed1(m);
	c->cr4_fixed0 = model_cr4_fixed0(m);
	c->cr4_fixed1 = model_cr4_fixed1(m);
	c->pin = vmx_fld(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	c->proc = vmx_fld(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	c->exit = vmx_fld(c, VMCS_VM_EXIT_CONTROLS);
	c->entry = vmx_fld(c, VMCS_VM_ENTRY_CONTROLS);
	c->proc2 = (c->proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ?
		   vmx_fld(c, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	c->proc3 = (c->proc & CPU_BASED_ACTIVATE_TERTIARY_CONTROLS) ?
		   vmx_fld(c, VMCS_TERTIARY_VM_EXEC_CONTROL) : 0;
	c->exit2 = (c->exit & VM_EXIT_ACTIVATE_SECONDARY_CONTROLS) ?
		   vmx_fld(c, VMCS_SECONDARY_VM_EXIT_CONTROLS) : 0;
	c->ia32e = c->entry & VM_ENTRY_IA32E_MODE;
	c->unrestricted = c->proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST;
	c->v8086 = vmx_fld(c, VMCS_GUEST_RFLAGS) & X86_EFLAGS_VM;
}

int vmx_check_group_run(enum vmx_check_group group, const struct cpu_model *m,
			const struct vmcs *v, const struct vmx_entry_env *env,
			const struct vmx_check **failed)
{
	const struct vmx_check *rows;
	struct vmx_check_ctx c;
	unsigned int n;

	/* The MSR-loading rows run once per entry: vmx_load_msrs(). */
	SIM_BUG_ON(group == VMX_CHECK_MSR_LOAD);
	vmx_check_ctx_init(&c, m, v, env ? env->mem : NULL, env ? env->msr_val : NULL);
	rows = vmx_checks_of(group, &n);
	*failed = NULL;
	for (unsigned int i = 0; i < n; i++) {
		if (!rows[i].holds(&c)) {
			*failed = &rows[i];
			return rows[i].error;
		}
	}
	return 0;
}

int vmx_check_entry(const struct cpu_model *m, const struct vmcs *v,
		    const struct vmx_entry_env *env, const struct vmx_check **failed)
{
	struct vmx_check_ctx c;
	unsigned int n;
	const struct vmx_check *rows = vmx_checks_of(VMX_CHECK_MSR_LOAD, &n);

	vmx_check_ctx_init(&c, m, v, env ? env->mem : NULL, env ? env->msr_val : NULL);
	*failed = NULL;
	/* Every row before the MSR-loading ones, in table order. */
	for (const struct vmx_check *r = vmx_entry_checks; r < rows; r++) {
		if (!r->holds(&c)) {
			*failed = r;
			return r->error;
		}
	}
	return 0;
}

int vmx_check_controls(const struct cpu_model *m, const struct vmcs *v,
		       const struct vmx_check **failed)
{
	return vmx_check_group_run(VMX_CHECK_CONTROLS, m, v, NULL, failed);
}

int vmx_check_host_state(const struct cpu_model *m, const struct vmcs *v,
			 const struct vmx_check **failed)
{
	return vmx_check_group_run(VMX_CHECK_HOST_STATE, m, v, NULL, failed);
}

int vmx_check_guest_state(const struct cpu_model *m, const struct vmcs *v,
			  const struct vmx_check **failed)
{
	return vmx_check_group_run(VMX_CHECK_GUEST_STATE, m, v, NULL, failed);
}

uint64_t vmx_guest_check_qualification(const struct vmx_check *r)
{
	return r && r->group == VMX_CHECK_GUEST_STATE && r->qual > 0 ? (uint64_t)r->qual :
	       ENTRY_FAIL_DEFAULT;
}
