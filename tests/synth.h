/* SPDX-License-Identifier: MIT */
/*
 * A small made-up trace with every record the timeline model cuts (the
 * timeline and render suites): written with the engine's trace writer,
 * the same bytes every time. Three CPUs at 2000 MHz:
 *
 *   CPU0  vcpu-a:0  takes kvm->lock at 30, writes data+0x200 at 40 (step
 *                   SYNTH_WRITE_STEP), is preempted at 50 (step
 *                   SYNTH_PREEMPT_STEP: the decisive preemption, its
 *                   window 20 cycles earlier and 40 later), releases at
 *                   60, makes request 3 of vCPU 1 at 100, sends IPI 0xfb
 *                   to CPU1 at 105, kicks vCPU 1 (to CPU1) at 106, wakes
 *                   hotplug:2 at 150, parks at 160; hotplug:2 runs from
 *                   170 (CPU2 to bringup at 180), exits at 225; vcpu-a
 *                   runs again at 230
 *   CPU1  vcpu-b:1  contends for kvm->lock at 35, relaxes at 45 and 55,
 *                   takes it at 70, reads data+0x200 at 80 (step
 *                   SYNTH_READ_STEP), releases at 90, enters the guest at
 *                   95, VM exit (external interrupt) at 120, interrupt 121
 *                   to 130, sees request 3 at 140, wakes vcpu-a at 220,
 *                   reports the race at 240 (marks: the write, the read)
 *   CPU2  swapper/2:3  offline from 0, online at 200, active at 210
 *
 * The run fails at the report.
 */
#ifndef HVSIM_TESTS_SYNTH_H
#define HVSIM_TESTS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#define SYNTH_WRITE_STEP	1000
#define SYNTH_READ_STEP		2000
#define SYNTH_PREEMPT_STEP	1500
#define SYNTH_TITLE		"KCSAN: data-race in vcpu_run / vcpu_kick"

/* The trace's bytes (malloc'ed), @len of them. */
uint8_t *synth_trace(size_t *len);
/* The same into the file @path. */
void synth_write(const char *path);
/* The whole of file @path, in new memory (a Criterion assertion fails when it cannot be read). */
uint8_t *synth_slurp(const char *path, size_t *len);

#endif /* HVSIM_TESTS_SYNTH_H */
