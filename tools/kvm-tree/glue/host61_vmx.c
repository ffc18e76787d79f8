// SPDX-License-Identifier: MIT
/*
 * The hvsim side of the adapter's VMX (arch61_vmx.c): the instructions
 * it may not execute itself, each one of hvsim's (hvsim/hw.h) on the CPU
 * the caller runs on, with the SDM's outcomes, faults and steps.
 */
#include <errno.h>
#include <stdint.h>

#include "hvsim/hw.h"

#include "k61_iface.h"

int k61_host_rdmsr(unsigned int msr, unsigned long long *val)
{
	uint64_t v = 0;
	int r = rdmsrl_safe(msr, &v);

	*val = v;
	return r;
}

unsigned long k61_host_read_cr(int cr)
{
	return cr ? read_cr4() : read_cr0();
}

void k61_host_cr4_update(unsigned long set, unsigned long clear)
{
	if (set)
		cr4_set_bits(set);
	if (clear)
		cr4_clear_bits(clear);
}

int k61_host_vmx(int insn, unsigned long long pa)
{
	switch (insn) {
	case K61_VMXON:
		return vmxon_safe(pa);
	case K61_VMXOFF:
		return vmxoff();
	case K61_VMCLEAR:
		return vmclear(pa);
	case K61_VMPTRLD:
		return vmptrld(pa);
	case K61_VMLAUNCH:
		return vmlaunch();
	case K61_VMRESUME:
		return vmresume();
	}
	return -EINVAL;
}

int k61_host_vmread(unsigned long field, unsigned long *val)
{
	return vmread(field, val);
}

int k61_host_vmwrite(unsigned long field, unsigned long val)
{
	return vmwrite(field, val);
}
