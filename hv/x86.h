/* SPDX-License-Identifier: MIT */
/*
 * The x86 layer (x86.c), in the role of KVM's arch/x86/kvm/x86.c: what the
 * generic core (kvm_main.c) calls as kvm_arch_*(), and the generic core's
 * functions the x86 layer uses.
 */
#ifndef HV_X86_H
#define HV_X86_H

#include "kvm_host.h"

/* x86.c */
int kvm_arch_hardware_setup(void);
int kvm_arch_check_processor_compat(void);
int kvm_arch_hardware_enable(void);
void kvm_arch_hardware_disable(void);
void kvm_arch_init_vm(struct kvm *kvm);
void kvm_arch_destroy_vm(struct kvm *kvm);
int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu);
void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu);
void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu);
int kvm_arch_vcpu_ioctl_run(struct kvm_vcpu *vcpu);
long kvm_arch_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl, unsigned long arg);
long kvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg);
void kvm_arch_sync_dirty_log(struct kvm *kvm, struct kvm_memory_slot *memslot);
int kvm_arch_add_vm(struct kvm *kvm, int usage_count);
void kvm_arch_drop_vm(int usage_count);
long kvm_arch_vm_ioctl(struct kvm *kvm, unsigned int ioctl, unsigned long arg);
int kvm_vm_ioctl_enable_cap(struct kvm *kvm, const struct kvm_enable_cap *cap);
void kvm_apicv_init(struct kvm *kvm);
void __kvm_set_or_clear_apicv_inhibit(struct kvm *kvm, enum kvm_apicv_inhibit reason, bool set);
void kvm_set_or_clear_apicv_inhibit(struct kvm *kvm, enum kvm_apicv_inhibit reason, bool set);
void kvm_vcpu_update_apicv(struct kvm_vcpu *vcpu);
/* HLT exit: 1 halted in the kernel (in-kernel APIC), 0 KVM_EXIT_HLT to user space. */
int kvm_emulate_halt(struct kvm_vcpu *vcpu);

/*
 * What user space would read from KVM's debugfs, which sums each stat
 * over every VM and vCPU (exits and halt_wakeup are KVM's vCPU stats),
 * plus two hvsim reads a tracepoint would give. Counters only, kept with
 * debugfs_add()/debugfs_set() (hvsim/kernel.h): no step, no access the
 * strategies see, and nothing in hv/ reads them, so they change nothing.
 */
struct kvm_debugfs_stats {
	uint64_t apicv_update_reqs;	/* KVM_REQ_APICV_UPDATE broadcasts (APICv on/off for a VM) */
	uint64_t exits;			/* VM exits */
	uint64_t halt_wakeup;		/* halted vCPUs woken */
	uint64_t pi_notifications;	/* posted-interrupt notifications to a vCPU in guest mode */
	uint64_t last_inhibits;		/* the inhibit bitmap of the VM that last set one */
};
extern struct kvm_debugfs_stats kvm_debugfs;

/* kvm_main.c */
void kvm_get_kvm(struct kvm *kvm);
void kvm_put_kvm(struct kvm *kvm);
void kvm_free_vcpus(struct kvm *kvm);
void kvm_free_memslots(struct kvm *kvm);
int kvm_hardware_enable_all_cpus(void);
void kvm_hardware_disable_all_cpus(void);
void vcpu_load(struct kvm_vcpu *vcpu);
void vcpu_put(struct kvm_vcpu *vcpu);
void kvm_make_request(int req, struct kvm_vcpu *vcpu);
bool kvm_check_request(int req, struct kvm_vcpu *vcpu);
bool kvm_request_pending(struct kvm_vcpu *vcpu);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
bool kvm_vcpu_wake_up(struct kvm_vcpu *vcpu);
bool kvm_make_vcpus_request_mask(struct kvm *kvm, unsigned int req, const unsigned long *vcpu_bitmap);
bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req);

#endif /* HV_X86_H */
