// SPDX-License-Identifier: MIT
/*
 * The VM-entry check table as a whole (sim/vmx/checks.def): one table, in
 * entry order, every row well formed, each group a contiguous slice that
 * fails with its own error or exit; and docs/vmx-checks.md, which must
 * carry exactly the table `hvsim vmx-checks` prints.
 */
#include "vmx/vmentry.h"
#include "vmx_models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "cpu/model.h"
#include "vmx/legal.h"
#include "vmx/vmcs.h"

#ifndef HVSIM_CPUS_DIR
#error "HVSIM_CPUS_DIR must name the source tree's cpus/ directory"
#endif
#ifndef HVSIM_SOURCE_DIR
#error "HVSIM_SOURCE_DIR must name the source tree (for docs/vmx-checks.md)"
#endif

#define DOC_PATH	HVSIM_SOURCE_DIR "/docs/vmx-checks.md"
#define DOC_BEGIN	"<!-- vmx-checks table: begin (hvsim vmx-checks) -->\n"
#define DOC_END		"<!-- vmx-checks table: end -->\n"

/* The SDM 325462-080US section titles a row may cite. */
static const char *const sections[] = {
	"Checks on VMX Controls: VM-Execution Control Fields",
	"Checks on VMX Controls: VM-Exit Control Fields",
	"Checks on VMX Controls: VM-Entry Control Fields",
	"Checks on Host Control Registers, MSRs, and SSP",
	"Checks on Host Segment and Descriptor-Table Registers",
	"Checks Related to Address-Space Size",
	"Checks on Guest Control Registers, Debug Registers, and MSRs",
	"Checks on Guest Segment Registers",
	"Checks on Guest Descriptor-Table Registers",
	"Checks on Guest RIP, RFLAGS, and SSP",
	"Checks on Guest Non-Register State",
	"Checks on Guest Page-Directory-Pointer-Table Entries",
	"Loading MSRs",
};

static bool known_section(const char *s)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(sections[i], s))
			return true;
	return false;
}

static int group_error(enum vmx_check_group g)
{
	switch (g) {
	case VMX_CHECK_CONTROLS:
		return VMXERR_ENTRY_INVALID_CONTROLS;
	case VMX_CHECK_HOST_STATE:
		return VMXERR_ENTRY_INVALID_HOST_STATE;
	case VMX_CHECK_GUEST_STATE:
		return EXIT_REASON_INVALID_STATE;
	case VMX_CHECK_MSR_LOAD:
		return EXIT_REASON_MSR_LOAD_FAIL;
	default:
		return -1;
	}
}

Test(vmx_table, one_table_in_entry_order, .timeout = 10)
{
	enum vmx_check_group prev = VMX_CHECK_CONTROLS;

	cr_assert_geq(vmx_nr_entry_checks, 150, "the issue's floor: %u rows", vmx_nr_entry_checks);
	for (unsigned int i = 0; i < vmx_nr_entry_checks; i++) {
		const struct vmx_check *r = &vmx_entry_checks[i];

		cr_assert(r->id && r->section && r->desc && r->holds, "row %u", i);
		cr_assert_geq(r->group, prev, "%s: groups out of entry order", r->id);
		prev = r->group;
		cr_assert_eq(r->error, group_error(r->group), "%s: error %d", r->id, r->error);
		cr_assert(known_section(r->section), "%s: section '%s'", r->id, r->section);
		cr_assert_null(strchr(r->desc, '|'), "%s: '|' would break the docs table", r->id);
		for (unsigned int j = 0; j < i; j++)
			cr_assert_str_neq(vmx_entry_checks[j].id, r->id, "duplicate id");
	}
}

Test(vmx_table, groups_are_slices_of_the_table, .timeout = 10)
{
	unsigned int total = 0;
	const struct vmx_check *next = vmx_entry_checks;

	for (int g = 0; g < VMX_NR_CHECK_GROUPS; g++) {
		unsigned int n;
		const struct vmx_check *rows = vmx_checks_of((enum vmx_check_group)g, &n);

		cr_assert_gt(n, 0, "group %d is empty", g);
		cr_assert_eq(rows, next, "group %d does not follow the one before", g);
		for (unsigned int i = 0; i < n; i++)
			cr_assert_eq(rows[i].group, (enum vmx_check_group)g);
		next = rows + n;
		total += n;
	}
	cr_assert_eq(total, vmx_nr_entry_checks);
}

Test(vmx_table, qualifications, .timeout = 10)
{
	for (unsigned int i = 0; i < vmx_nr_entry_checks; i++) {
		const struct vmx_check *r = &vmx_entry_checks[i];
		int want = 0;

		if (r->group == VMX_CHECK_MSR_LOAD)
			want = VMX_QUAL_MSR_ENTRY;
		else if (!strncmp(r->id, "guest-link-", 11))
			want = ENTRY_FAIL_VMCS_LINK_PTR;
		else if (!strncmp(r->id, "guest-pdpte-", 12))
			want = ENTRY_FAIL_PDPTE;
		cr_assert_eq(r->qual, want, "%s: qualification %d", r->id, r->qual);
		if (r->group == VMX_CHECK_GUEST_STATE)
			cr_assert_eq(vmx_guest_check_qualification(r), (uint64_t)want, "%s", r->id);
	}
	cr_assert_eq(vmx_guest_check_qualification(NULL), 0);
	cr_assert_eq(VMX_EXIT_REASONS_FAILED_VMENTRY | EXIT_REASON_INVALID_STATE,
		     0x80000021U);
	cr_assert_eq(VMX_EXIT_REASONS_FAILED_VMENTRY | EXIT_REASON_MSR_LOAD_FAIL, 0x80000022U);
}

Test(vmx_table, group_names_and_outcomes, .timeout = 10)
{
	cr_assert_str_eq(vmx_check_group_name(VMX_CHECK_CONTROLS), "controls");
	cr_assert_str_eq(vmx_check_group_name(VMX_CHECK_HOST_STATE), "host-state");
	cr_assert_str_eq(vmx_check_group_name(VMX_CHECK_GUEST_STATE), "guest-state");
	cr_assert_str_eq(vmx_check_group_name(VMX_CHECK_MSR_LOAD), "msr-load");
	cr_assert_not(vmx_check_group_exits(VMX_CHECK_CONTROLS));
	cr_assert_not(vmx_check_group_exits(VMX_CHECK_HOST_STATE));
	cr_assert(vmx_check_group_exits(VMX_CHECK_GUEST_STATE));
	cr_assert(vmx_check_group_exits(VMX_CHECK_MSR_LOAD));
}

/* snprintf-style: a short buffer gets a terminated prefix and the full length back. */
Test(vmx_table, render_reports_the_length_it_needs, .timeout = 10)
{
	char small[40];
	size_t need = vmx_checks_render(vmx_entry_checks, 2, NULL, 0);
	char *full = malloc(need + 1);

	cr_assert(full);
	cr_assert_eq(vmx_checks_render(vmx_entry_checks, 2, full, need + 1), need);
	cr_assert_eq(strlen(full), need);
	cr_assert_eq(vmx_checks_render(vmx_entry_checks, 2, small, sizeof(small)), need);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert(!strncmp(small, full, sizeof(small) - 1));
	cr_assert(strstr(full, "| `pin-ctls` | controls | error 7 |"), "%s", full);
	free(full);
}

/* ---- robustness: any VMCS is a value, never a crash ---- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random memory: the MSR-load area and the virtual-APIC page read as noise. */
static bool noise_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	uint64_t s = pa * 0x9e3779b97f4a7c15ULL + *(uint64_t *)opaque + 1;

	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)xorshift(&s);
	return (pa & 0xfff) != 0xff0;
}

static uint64_t random_value(uint64_t *seed)
{
	uint64_t r = xorshift(seed);

	switch (r & 7) {
	case 0:
		return ~0ULL;
	case 1:
		return 1ULL << (r >> 58);
	case 2:
		return 0;
	default:
		return xorshift(seed);
	}
}

/*
 * The legal VMCS of each model with one to four fields made random (all
 * ones, zero, one bit, or noise), memory that reads as noise: VM entry must
 * answer with a row or success and never assert or hit undefined behaviour
 * (the ASan/UBSan build runs this too). Every group gets to fail.
 */
Test(vmx_table, mutated_vmcs_never_crashes, .timeout = 60)
{
	char names[16][MODEL_FILE_NAME_MAX];
	unsigned int nmodels = model_list(HVSIM_CPUS_DIR, names, 16);
	uint64_t seed = 0x5eed, msr_val[MODEL_MAX_MSRS];
	unsigned int fails[VMX_NR_CHECK_GROUPS + 1] = { 0 };

	cr_assert_geq(nmodels, 2);
	for (unsigned int k = 0; k < nmodels; k++) {
		struct cpu_model *m = vt_load(names[k]);

		for (int round = 0; round < 20000; round++) {
			const struct vmx_phys_reader mem = { .read = noise_read, .opaque = &seed };
			const struct vmx_entry_env env = { .mem = &mem, .msr_val = msr_val };
			const struct vmx_check *failed = NULL;
			struct vmcs *v = vmx_legal_vmcs(m);
			unsigned int nmut = 1 + (unsigned int)(xorshift(&seed) & 3);
			uint64_t qual;
			int e;

			for (unsigned int j = 0; j < nmut; j++) {
				const struct vmcs_field_info *f =
					&vmcs_field_table[xorshift(&seed) % vmcs_nr_fields];

				if (!f->high)
					vmcs_set(v, f->encoding, random_value(&seed));
			}
			/* The MSR-load count is the loading loop's length: keep it short. */
			vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT,
				 vmcs_get(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT) & 0x3ff);
			for (unsigned int i = 0; i < m->nmsrs; i++)
				msr_val[i] = m->msrs[i].value;
			e = vmx_check_entry(m, v, &env, &failed);
			cr_assert(e == 0 || (failed && failed->error == e), "%s round %d", names[k],
				  round);
			if (!e)
				e = vmx_load_msrs(m, v, &mem, msr_val, &failed, &qual);
			cr_assert(e == 0 || (failed && failed->error == e), "%s round %d", names[k],
				  round);
			fails[failed ? failed->group : VMX_NR_CHECK_GROUPS]++;
			(void)vmx_eptp_valid(m, vmcs_get(v, VMCS_EPT_POINTER));
			free(v);
		}
		free(m);
	}
	for (int g = 0; g <= VMX_NR_CHECK_GROUPS; g++)
		cr_assert_gt(fails[g], 0, "no entry ended in group %d (%s)", g,
			     g < VMX_NR_CHECK_GROUPS ?
			     vmx_check_group_name((enum vmx_check_group)g) : "entered");
	cr_log_info("controls %u, host %u, guest %u, msr %u, entered %u", fails[0], fails[1],
		    fails[2], fails[3], fails[4]);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * docs/vmx-checks.md carries the whole table between its markers. On a
 * mismatch, regenerate it with `hvsim vmx-checks` and paste it there.
 */
Test(vmx_table, docs_table_matches_the_code, .timeout = 10)
{
	size_t len = vmx_checks_render(vmx_entry_checks, vmx_nr_entry_checks, NULL, 0) + 1;
	char *want = malloc(len), *doc = read_file(DOC_PATH);
	char *begin = strstr(doc, DOC_BEGIN);
	char *end = begin ? strstr(begin, DOC_END) : NULL;

	cr_assert(want);
	vmx_checks_render(vmx_entry_checks, vmx_nr_entry_checks, want, len);
	cr_assert(begin && end, "%s lacks the markers %s", DOC_PATH, DOC_BEGIN);
	begin += strlen(DOC_BEGIN);
	*end = '\0';
	if (strcmp(begin, want))
		cr_log_error("%s is out of date: put the output of `hvsim vmx-checks` between its markers",
			     DOC_PATH);
	cr_assert_str_eq(begin, want);
	free(doc);
	free(want);
}
