/*
 * libvcpu - the core's own view of a VM and a VCPU. Backends include this;
 * embedders see only the opaque handles of vcpu.h.
 */
#ifndef LIBVCPU_CORE_H
#define LIBVCPU_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvcpu/vcpu.h"
#include "libvcpu/sched.h"
#include "backend.h"
#include "vmcs_slots.h"

#define VM_MAX_MEMORY_REGIONS 32
#define VM_MAX_VCPUS 256
#define VM_MAX_PCPUS 64
#define VM_MAX_CPUID_ENTRIES 256
#define VCPU_DETAIL_LEN 320

struct memory_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct exit_handler {
	vcpu_exit_handler_fn fn;
	void *opaque;
};

struct vm {
	const struct vcpu_backend_ops *ops;
	void *backend;			/* the backend's per-VM data */
	unsigned features;		/* VCPU_BACKEND_CAP_* this VM has */
	struct vmx_caps caps;
	unsigned nr_pcpus;
	bool unrestricted_guest;
	uint64_t identity_map_gpa;	/* 0: none configured */
	slot_set supported;		/* VMCS components the CPU has */
	uint16_t efer_slot;		/* GUEST_IA32_EFER, or SLOT_EFER if the CPU lacks it */
	uint16_t pat_slot;		/* GUEST_IA32_PAT, or SLOT_PAT */
	slot_set volatile_slots;	/* slots an exit may change */

	struct memory_region regions[VM_MAX_MEMORY_REGIONS];
	unsigned nr_regions;

	struct exit_handler handlers[VMX_NR_EXIT_REASONS];
	struct vm_callbacks cb;
	void *cb_opaque;
	enum vm_unknown_port_policy unknown_port_policy;

	struct vcpu_cpuid_entry *cpuid;
	unsigned nr_cpuid;
	uint32_t cpuid_max_basic;	/* EAX of leaf 0 (0 if absent) */
	uint32_t cpuid_max_extended;	/* EAX of leaf 8000_0000h (0 if absent) */
	uint32_t cpuid_max_hypervisor;	/* EAX of leaf 4000_0000h (0 if absent) */

	struct sched *sched;		/* sched.c; NULL without one */
	struct vcpu *vcpus[VM_MAX_VCPUS];
	/* The VCPU whose VMCS is current on each logical CPU (VMPTRLD'd
	 * last there), so one CPU can take turns among several VCPUs. */
	struct vcpu *current[VM_MAX_PCPUS];
};

/*
 * The software VMCS: a 4 KiB-aligned region like the hardware's, holding
 * the revision id, the launch state and the value of every slot, with a
 * "cached" bit (val[] is current) and a "dirty" bit (val[] must be written
 * back before the next entry) per slot.
 */
struct soft_vmcs {
	uint32_t revision_id;
	uint32_t abort_indicator;
	uint64_t val[NR_SLOTS];
	slot_set cached;
	slot_set dirty;
};

/* Events waiting for delivery (see event.c). */
struct pending_events {
	uint64_t irr[4];		/* external interrupts by vector */
	bool nmi;
	bool exception;
	uint8_t exception_vector;
	uint32_t exception_error_code;
	bool any;			/* any of the above: the fast-path test */
};

struct vcpu {
	struct soft_vmcs vmcs;		/* first: the allocation is 4 KiB aligned */
	struct vm *vm;
	void *backend;			/* the backend's per-VCPU data */
	unsigned id;
	enum vcpu_state state;
	int pcpu;			/* logical CPU its VMCS is active on; -1:
					 * clear, active nowhere */
	bool launched;
	bool halted;			/* set by the HLT handler while running */
	bool in_handler;
	bool yielded;			/* set by the PAUSE handler: it yields */
	bool insn_completed;		/* the backend completed the exiting
					 * instruction itself (KVM I/O, HLT) */
	int exit_requested;		/* vcpu_request_exit(), from any thread or
					 * signal handler: atomic accesses only */

	struct vmx_exit exit;
	struct pending_events events;

	/* Guest-visible state the core virtualizes. */
	uint64_t cr3_virtual;		/* the guest's CR3 when the core substitutes one */
	uint64_t tpr;			/* CR8 */
	uint64_t tsc_aux;

	/* VMX bitmaps: I/O A and B (ports 0-7FFF, 8000-FFFF), MSR. */
	uint8_t *io_bitmap;		/* 8 KiB, page aligned */
	uint8_t *msr_bitmap;		/* 4 KiB, page aligned */

	struct emu *emu;		/* real mode without unrestricted guest
					 * (realmode.c); NULL until needed */

	struct vcpu_booking booking;
	char detail[VCPU_DETAIL_LEN];
	bool has_entry_failure;
	struct vmx_entry_failure entry_failure;
};

/* ---- helpers shared by the core's files ---- */

/* vcpu_request_exit() sets the flag from any thread or signal handler:
 * a run looks at it, or takes it (clearing it), atomically. */
static inline bool exit_request_pending(struct vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->exit_requested, __ATOMIC_ACQUIRE) != 0;
}

/* The plain load first: it keeps a locked exchange off every entry. */
static inline bool exit_request_take(struct vcpu *vcpu)
{
	return exit_request_pending(vcpu) && __atomic_exchange_n(&vcpu->exit_requested, 0, __ATOMIC_ACQ_REL);
}

/* sched.c, for the PAUSE and VMCALL handlers */
bool sched_pause_exit(struct vcpu *vcpu);
int sched_lock_holder_hint(struct vcpu *vcpu, uint32_t holder);

/* Record a detail message for the error about to be returned; returns err. */
int vcpu_fail(struct vcpu *vcpu, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool vm_feature(const struct vm *vm, unsigned cap)
{
	return (vm->features & cap) != 0;
}

/* Does the VM's CPU (or backend) have this VMCS slot? */
static inline bool vm_has_slot(const struct vm *vm, unsigned slot)
{
	return slot >= VMCS_NR_FIELD_SLOTS || slot_set_has(&vm->supported, slot);
}

/* Fast accessors for fields the core knows are valid (no error numbers). */
int vmcs_fetch(struct vcpu *vcpu, unsigned slot, uint64_t *value);

static inline int vmcs_get(struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	if (slot_set_has(&vcpu->vmcs.cached, slot)) {
		*value = vcpu->vmcs.val[slot];
		return 0;
	}
	return vmcs_fetch(vcpu, slot, value);
}

static inline void vmcs_put(struct vcpu *vcpu, unsigned slot, uint64_t value)
{
	vcpu->vmcs.val[slot] = value;
	slot_set_add(&vcpu->vmcs.cached, slot);
	slot_set_add(&vcpu->vmcs.dirty, slot);
}
/* vmcs_get that treats a backend failure as 0 and records it; for paths
 * where a read cannot meaningfully fail (mock, cached). */
static inline uint64_t vmcs_val(struct vcpu *vcpu, unsigned slot)
{
	uint64_t value = 0;

	vmcs_get(vcpu, slot, &value);
	return value;
}

/* GPR by SDM number (0-15); RSP through GUEST_RSP. */
uint64_t vcpu_gpr(struct vcpu *vcpu, unsigned n);
void vcpu_set_gpr(struct vcpu *vcpu, unsigned n, uint64_t value);

/* Mark every volatile slot stale: called after each exit. */
void vmcs_invalidate_volatile(struct vcpu *vcpu);

/* The hardware changed `slot` during the exit: the cached copy is stale.
 * (Never dirty: the core writes dirty slots back before each entry.) */
static inline void vmcs_changed_by_exit(struct vcpu *vcpu, unsigned slot)
{
	slot_set_del(&vcpu->vmcs.cached, slot);
}
/* Write back dirty slots through the backend. */
int vmcs_flush(struct vcpu *vcpu);


/* The host's TSC (the backend's), and the TSC as the guest reads it: plus
 * the TSC offset when "use TSC offsetting" is on (exit_misc.c). */
uint64_t vcpu_host_tsc(struct vcpu *vcpu);
uint64_t vcpu_guest_tsc(struct vcpu *vcpu);

/* 64-bit mode (IA-32e and CS.L): selects operand widths in handlers. */
bool vcpu_in_long_mode(struct vcpu *vcpu);

/* Exceptions raised by emulation in a handler (queued for the next entry). */
void vcpu_raise_gp(struct vcpu *vcpu);
void vcpu_raise_ud(struct vcpu *vcpu);

/* CR virtualization (cr.c). */
void cr_init_vcpu(struct vcpu *vcpu);
uint64_t cr0_guest_view(struct vcpu *vcpu);
uint64_t cr4_guest_view(struct vcpu *vcpu);
int efer_write(struct vcpu *vcpu, uint64_t v, const char **fault);
/* Re-derive the real CR3/CR4 from the guest's paging (identity map moved). */
void cr_sync_paging(struct vcpu *vcpu);

/* Events (event.c): prepare the next entry; after an exit, re-inject a
 * cut-off event or re-block NMIs for a repeated IRET. */
int event_prepare_entry(struct vcpu *vcpu);
void event_after_exit(struct vcpu *vcpu);
bool event_deliverable_now(struct vcpu *vcpu);

/* Default exit handlers (exit_*.c), indexed by basic reason. */
typedef int (*default_exit_handler_fn)(struct vcpu *vcpu, const struct vmx_exit *exit);
extern const default_exit_handler_fn default_exit_handlers[VMX_NR_EXIT_REASONS];

int exit_dispatch(struct vcpu *vcpu);
int exit_handle_cr_access(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_io(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_cpuid(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_ept_violation(struct vcpu *vcpu, const struct vmx_exit *exit);
/* CPUID leaf/subleaf as this VCPU answers it (out: EAX, EBX, ECX, EDX). */
void cpuid_lookup(struct vcpu *vcpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* Make an entry of the VM's table this VCPU's own (APIC ID fields). */
void cpuid_patch_for_vcpu(const struct vcpu *vcpu, struct vcpu_cpuid_entry *e);
/* Replace the VM's table without telling the backend (its own seeding). */
int cpuid_replace(struct vm *vm, const struct vcpu_cpuid_entry *entries, unsigned n);

/* emu_exit.c: the emulator's stops as exits; guest state to and from it. */
struct emu;
struct emu_stop;
void vmx_exit_from_emu_stop(struct vmx_exit *x, const struct emu_stop *s);
int vcpu_state_to_emu(struct vcpu *vcpu, struct emu *emu);
void vcpu_state_from_emu(struct vcpu *vcpu, const struct emu *emu);

/* realmode.c: guest real mode without unrestricted guest. */
bool realmode_active(struct vcpu *vcpu);
int realmode_enter(struct vcpu *vcpu, bool launch);
void realmode_vcpu_fini(struct vcpu *vcpu);
void cpuid_refresh_limits(struct vm *vm);
/* cpuid_host.c: the table from the processor the library runs on. */
int cpuid_load_host(struct vm *vm);
/* The VM's CPUID entry for leaf/subleaf, or NULL (cpuid.c). */
const struct vcpu_cpuid_entry *cpuid_find(const struct vm *vm, uint32_t leaf, uint32_t subleaf);
int exit_handle_msr_read(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_msr_write(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_interrupt_window(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_exception_nmi(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_external_interrupt(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_hlt(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_pause(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_rdtsc(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_vmcall(struct vcpu *vcpu, const struct vmx_exit *exit);
int exit_handle_xsetbv(struct vcpu *vcpu, const struct vmx_exit *exit);

/* A new VCPU's controls and power-on guest state (vcpu_setup.c). */
void vcpu_setup_controls(struct vcpu *vcpu);
void vcpu_setup_power_on_state(struct vcpu *vcpu);

/* The guest-state families of the VM-entry checks only (entry.c). */
int vcpu_check_guest_state(struct vcpu *vcpu, struct vmx_entry_failure *failure);

/* Guest memory (memory.c). */
struct memory_region *vm_region_of(struct vm *vm, uint64_t gpa);

/* Record why vm_create() or another handle-less call failed (vm.c). */
int vm_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Page-aligned allocation (platform.c): the only place the core allocates. */
void *plat_alloc_aligned(size_t size, size_t align);
void plat_free(void *p);

#endif
