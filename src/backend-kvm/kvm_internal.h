/*
 * libvcpu - the KVM backend's view: /dev/kvm, a VM fd, a VCPU fd and its
 * mmap'd kvm_run, and guest state kept lazily in the core's software VMCS.
 *
 * KVM moves register state in groups, one ioctl each (KVM_GET_REGS, _SREGS,
 * _DEBUGREGS, _VCPU_EVENTS, _MSRS, _XCRS). After an exit nothing is fetched;
 * the first read of a slot fetches its group, and before the next KVM_RUN
 * only groups with a dirty slot are written back.
 */
#ifndef LIBVCPU_KVM_INTERNAL_H
#define LIBVCPU_KVM_INTERNAL_H

#include <linux/kvm.h>

#include "core.h"
#include "libvcpu/kvm.h"

enum kvm_group {
	KVM_GROUP_NONE,
	KVM_GROUP_REGS,		/* GPRs, RSP, RIP, RFLAGS */
	KVM_GROUP_SREGS,	/* segments, descriptor tables, CR0/2/3/4, EFER */
	KVM_GROUP_DEBUG,	/* DR0-DR3, DR6, DR7 */
	KVM_GROUP_EVENTS,	/* interruptibility (interrupt shadow, NMI masked) */
	KVM_GROUP_MSRS,		/* SYSENTER_CS/ESP/EIP, PAT, DEBUGCTL */
	KVM_GROUP_XCRS,		/* XCR0 */
	KVM_GROUP_CORE,		/* kept by the core, applied at entry (controls,
				 * event injection, TSC offset) */
	KVM_NR_GROUPS
};

struct kvm_vm {
	int kvm_fd;
	int vm_fd;
	int run_size;
	bool tsc_offset;		/* KVM_VCPU_TSC_OFFSET attribute exists */
	uint8_t group_of[NR_SLOTS];	/* enum kvm_group per slot, NONE if unsupported */
};

#define KVM_GROUPS_SIZE 1536

struct kvm_vcpu_data {
	int fd;
	struct kvm_run *run;
	uint64_t tsc_offset_set;	/* last value KVM took, if known */
	bool tsc_offset_known;
	unsigned fresh_groups;		/* 1 << group: fetched since the last KVM_RUN */
	struct vcpu_kvm_stats stats;
	/* Migration on KVM moves the thread that runs the VCPU: the host CPU
	 * to pin it to at its next KVM_RUN, and the one it was pinned to. */
	int pin_pending, pinned;	/* -1: none */
	bool loaded;			/* the load at creation pins nothing */
	/* The register groups as last fetched (struct kvm_groups, kvm_state.c). */
	_Alignas(8) unsigned char groups[KVM_GROUPS_SIZE];
};

static inline struct kvm_vm *kvm_vm_of(const struct vm *vm)
{
	return vm->backend;
}

static inline struct kvm_vcpu_data *kvm_vcpu_of(const struct vcpu *vcpu)
{
	return vcpu->backend;
}

/* kvm_backend.c: pin the calling thread to host CPU pcpu % online CPUs. */
int kvm_pin_thread(struct vcpu *vcpu, unsigned pcpu);

/* kvm_state.c */
void kvm_state_init_groups(struct kvm_vm *k);
void kvm_state_power_on_written(struct vcpu *vcpu);
int kvm_state_read(struct vcpu *vcpu, unsigned slot, uint64_t *value);
int kvm_state_flush(struct vcpu *vcpu, const slot_set *dirty);
/* kvm_cpuid.c */
int kvm_cpuid_load(struct vm *vm, int kvm_fd);
int kvm_cpuid_apply(struct vcpu *vcpu);
int kvm_cpuid_changed(struct vm *vm);
/* kvm_exit.c */
int kvm_enter(struct vcpu *vcpu, bool launch);
/* An ioctl on the VCPU fd, counted, retried on EINTR where that is safe;
 * its non-negative result, or a VCPU error with the ioctl named. */
int kvm_vcpu_ioctl(struct vcpu *vcpu, unsigned long request, void *arg, const char *name);

#endif
