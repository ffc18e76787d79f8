/* SPDX-License-Identifier: MIT */
/*
 * hv/'s tracepoints, in the role of KVM's trace.h: a request made and
 * seen, a kick with the CPU it aims at. Each is one TR_POINT record in a
 * traced run and nothing else: the timeline draws a request from the
 * make to the check, and a kick to the IPI it sends. A point is recorded
 * at the caller's next operation, so the request's two are placed right
 * before the set_bit() that makes it and the clear_bit() that consumes it.
 *
 *   event               first value   second value
 *   kvm_make_request    vCPU id       request number
 *   kvm_check_request   vCPU id       request number (it was pending: consumed)
 *   kvm_vcpu_kick       vCPU id       the CPU sent a reschedule IPI, or -1
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include "hvsim/kernel.h"

static inline void trace_kvm_make_request(int vcpu_id, int req)
{
	trace_point("kvm_make_request", (uint64_t)vcpu_id, (uint64_t)req);
}

static inline void trace_kvm_check_request(int vcpu_id, int req)
{
	trace_point("kvm_check_request", (uint64_t)vcpu_id, (uint64_t)req);
}

static inline void trace_kvm_vcpu_kick(int vcpu_id, int cpu)
{
	trace_point("kvm_vcpu_kick", (uint64_t)vcpu_id, (uint64_t)(int64_t)cpu);
}

#endif /* HV_TRACE_H */
