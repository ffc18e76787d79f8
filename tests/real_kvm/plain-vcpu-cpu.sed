# Seed 003 undone in 6.1's kvm_main.c: the two reads of vcpu->cpu in
# kvm_make_vcpus_request_mask() and kvm_vcpu_kick() go back to plain
# reads, as before the fix that marked them READ_ONCE().
s/cpu = READ_ONCE(vcpu->cpu);/cpu = vcpu->cpu;/
