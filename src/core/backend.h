/*
 * libvcpu - the backend interface: one struct vcpu_backend_ops per backend.
 *
 * The core owns the software VMCS (values plus cached/dirty bits per slot)
 * and asks the backend to fetch a slot it has not cached, to write back the
 * slots that are dirty, and to enter the guest until the next exit. Core
 * never tests which backend it runs on: it reads vm->caps and the
 * capability bits below.
 */
#ifndef LIBVCPU_CORE_BACKEND_H
#define LIBVCPU_CORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/vcpu.h"
#include "vmcs_slots.h"

/* What a backend can express (vm->features; a backend may adjust its
 * static set in vm_init); the core refuses the rest with VCPU_ENOTSUP. */
#define VCPU_BACKEND_CAP_IO_BITMAPS	(1u << 0)	/* honours I/O bitmaps */
#define VCPU_BACKEND_CAP_MSR_BITMAPS	(1u << 1)
#define VCPU_BACKEND_CAP_CR_SHADOW	(1u << 2)	/* CR0/CR4 masks and read shadows */
#define VCPU_BACKEND_CAP_EPT		(1u << 3)	/* provides an EPT pointer */
#define VCPU_BACKEND_CAP_VMX_INSN	(1u << 4)	/* VMCLEAR/VMPTRLD are real operations */
#define VCPU_BACKEND_CAP_VMX_CONTROLS	(1u << 5)	/* execution/exit/entry controls, host state */
#define VCPU_BACKEND_CAP_EXCEPTION_BITMAP (1u << 6)	/* any exception can be intercepted */
#define VCPU_BACKEND_CAP_TSC_OFFSET	(1u << 7)	/* VMCS_TSC_OFFSET is honoured */
#define VCPU_BACKEND_CAP_ALL_MODES	(1u << 8)	/* runs real and paging-off modes natively */
#define VCPU_BACKEND_CAP_NMI_QUEUE	(1u << 9)	/* takes an NMI at any time and delivers
							 * it when the guest unblocks NMIs */

struct vcpu_backend_ops {
	const char *name;
	unsigned caps;

	/* ---- required ---- */
	/* Fill vm->caps and vm->volatile_slots (the slots the core forgets
	 * after every exit); allocate vm->backend. A backend that knows
	 * exactly which state an exit changed leaves guest state out of
	 * volatile_slots and calls vmcs_changed_by_exit() for each slot. */
	int (*vm_init)(struct vm *vm, const struct vm_options *opts);
	void (*vm_fini)(struct vm *vm);
	int (*vcpu_init)(struct vcpu *vcpu);
	void (*vcpu_fini)(struct vcpu *vcpu);
	/* VMCLEAR: flush the VMCS and make it clear and not current anywhere. */
	int (*vmclear)(struct vcpu *vcpu);
	/* VMPTRLD on logical CPU `pcpu`. */
	int (*vmptrld)(struct vcpu *vcpu, unsigned pcpu);
	/* Fetch the current value of a slot the core has not cached. */
	int (*read_slot)(struct vcpu *vcpu, unsigned slot, uint64_t *value);
	/* Write back the slots in `dirty` from vcpu->vmcs.val. */
	int (*flush)(struct vcpu *vcpu, const slot_set *dirty);
	/* VMLAUNCH (launch) or VMRESUME to the next exit; fills vcpu->exit.
	 * An entry failure after the checks on controls and host state is an
	 * exit (reason 33/34 with bit 31); VMfail is an error. */
	int (*enter)(struct vcpu *vcpu, bool launch);
	/* Does the CPU have this VMCS component (VMREAD/VMWRITE error 12)? */
	bool (*field_supported)(struct vm *vm, uint32_t field);

	/* ---- optional ---- */
	int (*map_memory)(struct vm *vm, uint64_t gpa, uint64_t size, void *host);
	/* Host-physical address of a 4 KiB page the core allocated
	 * (I/O and MSR bitmaps); required with the bitmap capabilities. */
	uint64_t (*page_hpa)(struct vm *vm, void *page);
	/* EPT pointer value for the VM (with VCPU_BACKEND_CAP_EPT). */
	uint64_t (*eptp)(struct vm *vm);
	/* The host TSC the guest's RDTSC is offset from. */
	uint64_t (*host_tsc)(struct vm *vm);
	/* The VM's CPUID table changed (vm->cpuid): apply it where the
	 * backend answers CPUID itself (KVM). */
	int (*cpuid_changed)(struct vm *vm);
	/* Make a guest that is running (or about to run) return as soon as
	 * it can; called from signal handlers, so async-signal-safe. */
	void (*request_exit)(struct vcpu *vcpu);
	/* The core has written a new VCPU's power-on state. A backend whose
	 * VCPU already starts in (part of) that state may forget those
	 * writes, so they cost nothing at the first entry. */
	void (*power_on_written)(struct vcpu *vcpu);
	/* Can the backend express this value of a supported field? NULL if
	 * every value is fine. Returns why not, or NULL. */
	const char *(*field_refuses)(struct vcpu *vcpu, uint32_t field, uint64_t value);
};

/* Refuses an ops table that lacks a required op (checked at vm_create). */
bool backend_ops_complete(const struct vcpu_backend_ops *ops);

/* The backends this build has, by name. */
const struct vcpu_backend_ops *backend_find(const char *name);

extern const struct vcpu_backend_ops mock_backend_ops;
extern const struct vcpu_backend_ops emulate_backend_ops;
#ifdef LIBVCPU_HAVE_KVM
extern const struct vcpu_backend_ops kvm_backend_ops;
#endif
#ifdef LIBVCPU_HAVE_VMX_RAW
extern const struct vcpu_backend_ops vmx_raw_backend_ops;
#endif

#endif
