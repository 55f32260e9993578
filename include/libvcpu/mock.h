/*
 * libvcpu - the mock backend: a software VMX for unit tests and fuzzers.
 *
 * It keeps VMCS regions the way a processor does (revision id, launch
 * state, current VMCS per logical CPU), enforces the VMX instruction rules
 * with the SDM's VM-instruction error numbers, runs the VM-entry checks on
 * every entry, and produces exits from a script the test supplies. A
 * scripted exit must be one the hardware could produce under the VMCS's
 * controls (HLT needs HLT exiting, an I/O exit a port the bitmaps
 * intercept, a MOV to CR0 a change of a host-owned bit...), else the entry
 * fails with VCPU_ESCRIPT and a message saying why, and changes nothing.
 * Delivering an injected event has the architectural side effects the
 * window logic depends on: an NMI blocks NMIs, an external interrupt
 * clears RFLAGS.IF (as through an interrupt gate); nothing else of the
 * guest's handler is emulated.
 *
 * Create it with vm_create() and backend "mock"; vm_options.caps selects a
 * capability profile (vcpu_mock_profile()).
 */
#ifndef LIBVCPU_MOCK_H
#define LIBVCPU_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/exit.h"
#include "libvcpu/export.h"
#include "libvcpu/vcpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Capability profiles: "modern" (a Skylake-server-like Intel CPU with EPT,
 * unrestricted guest, VPID, PML, TSC scaling and true controls) and
 * "no-ug" (a Core 2 Penryn-like CPU: VMX without EPT or unrestricted guest,
 * no true controls). NULL if the name is unknown. */
LIBVCPU_API const struct vmx_caps *vcpu_mock_profile(const char *name);

#define VCPU_MOCK_MAX_CHANGES 8

/* Guest state the guest changed before it exited: a guest-state VMCS field
 * (by encoding) or a register (enum vcpu_reg). */
struct vcpu_mock_change {
	bool is_reg;
	uint32_t id;
	uint64_t value;
};

struct vcpu_mock_exit {
	struct vmx_exit exit;		/* the VM-exit information fields */
	unsigned nr_changes;
	struct vcpu_mock_change changes[VCPU_MOCK_MAX_CHANGES];
	bool unchecked;			/* deliver even if hardware could not
					 * produce it (for testing handlers of
					 * impossible exits) */
};

/* Append one exit to the VCPU's script (copied). VCPU_EINVAL if a change
 * names a non-guest field or an unknown register. */
LIBVCPU_API int vcpu_mock_push_exit(struct vcpu *vcpu, const struct vcpu_mock_exit *exit);

/* Scripted exits not yet taken. */
LIBVCPU_API unsigned vcpu_mock_pending(const struct vcpu *vcpu);

/* Replay the script forever: after its last exit it starts over, and
 * vcpu_mock_pending() keeps counting all of them. */
LIBVCPU_API void vcpu_mock_set_loop(struct vcpu *vcpu, bool loop);

/* An event the mock delivered on a VM entry (VM-entry interruption info). */
struct vcpu_mock_event {
	uint32_t intr_info;
	uint32_t error_code;
	uint32_t instruction_len;
};

/* Events delivered so far (total) and the last ones, oldest first. */
LIBVCPU_API unsigned vcpu_mock_injected(const struct vcpu *vcpu, struct vcpu_mock_event *out,
					unsigned max);

/* The host-physical address of the VCPU's VMCS region. */
LIBVCPU_API uint64_t vcpu_mock_vmcs_hpa(const struct vcpu *vcpu);

/* The TSC the mock reports as the host's (constant until set again). */
LIBVCPU_API void vm_mock_set_tsc(struct vm *vm, uint64_t tsc);

/*
 * The VMX instructions themselves, on logical CPU `pcpu`, for tests of the
 * instruction rules. Each returns 0 (VMsucceed), VCPU_EVMFAIL_INVALID, or
 * VCPU_EVMX_INSN / VCPU_EVMCS_* / VCPU_EENTRY_* (VMfailValid: the number is
 * in the current VMCS's VM-instruction error field, see
 * vm_mock_insn_error()). VMPTRLD of a VMCS still active on another logical
 * CPU, which the SDM leaves undefined, fails with VCPU_ESTATE. They act
 * behind the core's back: use them on VMCSs the core does not run, or to
 * show what the mock refuses.
 */
LIBVCPU_API int vm_mock_vmclear(struct vm *vm, unsigned pcpu, uint64_t hpa);
LIBVCPU_API int vm_mock_vmptrld(struct vm *vm, unsigned pcpu, uint64_t hpa);
LIBVCPU_API int vm_mock_vmread(struct vm *vm, unsigned pcpu, uint32_t field, uint64_t *value);
LIBVCPU_API int vm_mock_vmwrite(struct vm *vm, unsigned pcpu, uint32_t field, uint64_t value);
/* VMLAUNCH / VMRESUME of the current VMCS, up to the entry checks: fills
 * *failure when a check fails. No guest code runs; on success the launch
 * state becomes "launched". */
LIBVCPU_API int vm_mock_vmenter(struct vm *vm, unsigned pcpu, bool launch,
				struct vmx_entry_failure *failure);
/* The current VMCS's VM-instruction error field (0 if none is current). */
LIBVCPU_API uint32_t vm_mock_insn_error(struct vm *vm, unsigned pcpu);
/* A fresh VMCS region (revision id from IA32_VMX_BASIC) and its address;
 * the VMXON region of a logical CPU. */
LIBVCPU_API int vm_mock_alloc_vmcs(struct vm *vm, uint64_t *hpa);
LIBVCPU_API uint64_t vm_mock_vmxon_hpa(struct vm *vm, unsigned pcpu);
/* Overwrite the revision id in a region's first four bytes. */
LIBVCPU_API int vm_mock_set_revision(struct vm *vm, uint64_t hpa, uint32_t revision_id);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_MOCK_H */
