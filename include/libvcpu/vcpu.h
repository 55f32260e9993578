/*
 * libvcpu - virtual machines and their VCPUs.
 *
 * A `vm` owns guest memory, the exit handlers and its VCPUs; a `vcpu` owns a
 * software VMCS and the registers the VMCS does not hold. vcpu_run() enters
 * the guest, takes one exit at a time in the common form (exit.h) and
 * dispatches it by basic exit reason: to the embedder's handler if one is
 * registered, else to the core's default. It returns when a handler says so
 * or fails.
 *
 * Threading: a VCPU is used by one thread at a time; different VCPUs of a
 * VM may run on different threads. Nothing here allocates behind the
 * caller's back after creation.
 */
#ifndef LIBVCPU_VCPU_H
#define LIBVCPU_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvcpu/entry_check.h"
#include "libvcpu/error.h"
#include "libvcpu/exit.h"
#include "libvcpu/export.h"
#include "libvcpu/vmcs.h"
#include "libvcpu/vmx.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vm;
struct vcpu;

/* ---- Virtual machines --------------------------------------------------- */

struct vm_options {
	const char *backend;		/* "mock" (default), "kvm" */
	const char *device;		/* kvm: the device node; NULL = "/dev/kvm" */
	unsigned nr_pcpus;		/* logical CPUs VCPUs may be loaded on; 0 = 1 */
	const struct vmx_caps *caps;	/* capability profile, where the backend
					 * takes one (mock); NULL = its default */
	bool no_unrestricted_guest;	/* do not use unrestricted guest even if
					 * the CPU has it */
};

/* Create a VM on a backend. Returns 0 and *out, or VCPU_ENOENT (no such
 * backend), VCPU_ENOTSUP (backend unavailable here: no /dev/kvm),
 * VCPU_EACCES (no permission to use it), VCPU_EBACKEND (the device
 * refused, e.g. an unexpected KVM API version), VCPU_EINVAL (capability
 * MSRs no processor reports: MAXPHYADDR outside 32-52, a zero revision id,
 * a control or CR bit required but not allowed), VCPU_ELIMIT (more than 64
 * logical CPUs), VCPU_ENOMEM. */
LIBVCPU_API int vm_create(const struct vm_options *opts, struct vm **out);

/* Destroy a VM and every VCPU it still has. Guest memory stays the caller's.
 * VCPU_EBUSY (and nothing destroyed) while one of its VCPUs is running. */
LIBVCPU_API int vm_destroy(struct vm *vm);

LIBVCPU_API const char *vm_backend_name(const struct vm *vm);

/* A message for the last vm_create()/vm_* failure of this process' thread
 * that has no VCPU to hold it (which device, which ioctl, errno). */
LIBVCPU_API const char *vm_last_error(void);

/*
 * What a backend can express. The VMX model is the vocabulary, but a
 * backend such as KVM owns parts of it (the CR0/CR4 read shadows, the
 * exception and I/O bitmaps, the controls): a VMWRITE there fails with
 * VCPU_ENOTSUP and a message naming what the backend cannot express.
 */
enum vm_capability {
	VM_CAP_VMX_CONTROLS,	/* execution/exit/entry controls and host state */
	VM_CAP_CR_SHADOW,	/* CR0/CR4 guest/host masks and read shadows */
	VM_CAP_IO_BITMAPS,	/* some ports pass through without exits */
	VM_CAP_EXCEPTION_BITMAP,/* any exception can be intercepted */
	VM_CAP_TSC_OFFSET,	/* VMCS_TSC_OFFSET is honoured */
	VM_CAP_VMX_INSTRUCTIONS,/* VMCLEAR/VMPTRLD/launch state are real */
	VM_NR_CAPABILITIES
};
LIBVCPU_API bool vm_has_capability(const struct vm *vm, enum vm_capability cap);
LIBVCPU_API const char *vm_capability_name(enum vm_capability cap);

/* The capability MSRs the VM's VCPUs are programmed from. */
LIBVCPU_API const struct vmx_caps *vm_caps(const struct vm *vm);

/* True if VCPUs use unrestricted guest (real mode and paging-off protected
 * mode run natively); false means the core virtualizes those modes. */
LIBVCPU_API bool vm_unrestricted_guest(const struct vm *vm);

/* Map caller-owned host memory at guest-physical `gpa`. Both `gpa` and
 * `size` must be 4 KiB multiples; regions may not overlap. The memory must
 * outlive the VM. Returns 0, VCPU_EINVAL, VCPU_EEXIST (overlap), VCPU_ELIMIT. */
LIBVCPU_API int vm_add_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host);

/* Bounds-checked guest-physical access: the whole range must lie in one or
 * more mapped regions, else VCPU_EFAULT and nothing is copied. */
LIBVCPU_API int vm_read_guest(struct vm *vm, uint64_t gpa, void *buf, size_t len);
LIBVCPU_API int vm_write_guest(struct vm *vm, uint64_t gpa, const void *buf, size_t len);

/* Host pointer for [gpa, gpa + len) if it lies in one region, else NULL. */
LIBVCPU_API void *vm_guest_ptr(struct vm *vm, uint64_t gpa, size_t len);

/*
 * Where the identity-mapped page table for paging-off protected mode lives
 * when unrestricted guest is not in use: one 4 KiB page of guest-physical
 * memory (inside a region the caller mapped) that the core fills with a
 * 32-bit page directory of 4 MiB identity pages. VCPUs with paging off
 * switch to it at once.
 */
LIBVCPU_API int vm_set_identity_map(struct vm *vm, uint64_t gpa);

/* ---- Embedder callbacks -------------------------------------------------- */

/* The guest-visible value of a control register changed in a way memory
 * virtualization cares about (CR0.PG/PE/WP/CD/NW, CR3, CR4 paging bits,
 * EFER.LME/LMA). Values are the virtual (guest-visible) ones. */
struct vcpu_paging_change {
	unsigned reg;		/* 0, 3, 4, or VCPU_PAGING_EFER */
	uint64_t old_value;
	uint64_t new_value;
};
#define VCPU_PAGING_EFER 0x80u

struct vm_callbacks {
	/* Port I/O the I/O bitmaps intercept. `value` holds the data to write
	 * (OUT) or receives the data read (IN, low `size` bytes). Return 0, or
	 * VCPU_ENODEV if no device decodes the port, or another error to fail
	 * the run. */
	int (*port_io)(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in,
		       uint32_t *value);
	/* See struct vcpu_paging_change. Return 0 or an error to fail. */
	int (*paging_changed)(void *opaque, struct vcpu *vcpu,
			      const struct vcpu_paging_change *change);
	/* A #PF the exception bitmap intercepted. Return 1 if the fault was
	 * resolved (the instruction is retried), 0 to reflect it to the guest,
	 * or an error. */
	int (*page_fault)(void *opaque, struct vcpu *vcpu, uint64_t linear_address,
			  uint32_t error_code);
	/* MMIO: a guest access to `size` bytes at guest-physical `gpa` outside
	 * guest RAM; `data` holds the bytes written, or receives the bytes
	 * read. Return 0, VCPU_ENODEV if no device is there (the run fails
	 * with VCPU_EFAULT: access outside RAM), or another error. Backends
	 * that decode the instruction themselves (KVM) call it; on VMX
	 * hardware and the mock it needs the instruction emulator. */
	int (*mmio)(void *opaque, struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write,
		    void *data);
	/* VMCALL: arguments and result in the guest's registers by whatever
	 * convention the embedder chooses. Return 0 to resume (the core skips
	 * the VMCALL), 1 to return to the caller after skipping it, or an error. */
	int (*hypercall)(void *opaque, struct vcpu *vcpu);
};

/* Set the VM's callbacks (copied). Any member may be NULL. */
LIBVCPU_API void vm_set_callbacks(struct vm *vm, const struct vm_callbacks *cb, void *opaque);

/* What the core does with an intercepted port nobody claims. */
enum vm_unknown_port_policy {
	VM_UNKNOWN_PORT_IGNORE,	/* reads return all ones, writes are dropped (counted) */
	VM_UNKNOWN_PORT_FAIL,	/* vcpu_run() fails with VCPU_ENODEV */
};
LIBVCPU_API void vm_set_unknown_port_policy(struct vm *vm, enum vm_unknown_port_policy policy);

/* ---- CPUID table ---------------------------------------------------------- */

#define VCPU_CPUID_SUBLEAF_ANY 0xffffffffu	/* the entry ignores ECX */

struct vcpu_cpuid_entry {
	uint32_t leaf;
	uint32_t subleaf;		/* or VCPU_CPUID_SUBLEAF_ANY */
	uint32_t eax, ebx, ecx, edx;
};

/* Replace the VM's CPUID table (copied). The default CPUID handler answers
 * from it; a leaf above the highest leaf of its range (basic, extended
 * 8000_0000h, or hypervisor 4000_0000h when the table has that leaf)
 * answers as the highest basic leaf, as the SDM specifies; an absent leaf
 * within range is zeros. Per VCPU: CPUID.1:ECX.OSXSAVE follows the guest's
 * CR4.OSXSAVE, and the initial APIC ID (CPUID.1:EBX[31:24], CPUID.0BH/1FH:EDX)
 * is the VCPU's id. XSETBV accepts the XCR0 bits of leaf 0DH (x87, SSE
 * and AVX if the table has no leaf 0DH). */
LIBVCPU_API int vm_set_cpuid(struct vm *vm, const struct vcpu_cpuid_entry *entries, unsigned n);

/* ---- Exit handlers -------------------------------------------------------- */

/*
 * A handler answers with what vcpu_run() does next:
 *   VCPU_EXIT_RESUME  re-enter the guest
 *   VCPU_EXIT_RETURN  return 0 from vcpu_run(); vcpu_last_exit() tells why
 *   < 0               fail: vcpu_run() returns this error
 * Handlers read and write guest state through the vcpu_* accessors.
 */
enum vcpu_exit_action {
	VCPU_EXIT_RESUME = 0,
	VCPU_EXIT_RETURN = 1,
};

typedef int (*vcpu_exit_handler_fn)(struct vcpu *vcpu, const struct vmx_exit *exit,
				    void *opaque);

/* Register (or with fn = NULL, remove) the embedder's handler for a basic
 * exit reason; it overrides the core's default for every VCPU of the VM. */
LIBVCPU_API int vm_set_exit_handler(struct vm *vm, unsigned basic_reason,
				    vcpu_exit_handler_fn fn, void *opaque);

/* The core's default handling of an exit, for an embedder's handler that
 * wants to add to it rather than replace it. */
LIBVCPU_API int vcpu_default_exit_handler(struct vcpu *vcpu, const struct vmx_exit *exit);

/* ---- VCPU lifecycle ------------------------------------------------------- */

/* The scheduler's view of a VCPU. */
enum vcpu_state {
	VCPU_STATE_CREATED,	/* never run */
	VCPU_STATE_RUNNABLE,
	VCPU_STATE_RUNNING,	/* inside vcpu_run() */
	VCPU_STATE_BLOCKED,	/* halted until an event is queued */
	VCPU_STATE_YIELDED,	/* gave its CPU away on a pause-loop exit
				 * (sched.h); runnable */
	VCPU_STATE_DESTROYED,
};

LIBVCPU_API const char *vcpu_state_name(enum vcpu_state state);

struct vcpu_booking {
	unsigned id;
	enum vcpu_state state;
	int pcpu;		/* logical CPU its VMCS is current on, -1 if none */
	bool launched;		/* launch state: the next entry is a VMRESUME */
	uint64_t entries;
	uint64_t exits;
	uint64_t migrations;
	uint64_t halts;
	uint64_t pause_exits;
	uint64_t yields;	/* pause exits that yielded (sched.h) */
	uint64_t unknown_port_accesses;
};

/* Create VCPU `id` (unique in the VM) at the processor's power-on state
 * (CS:IP = F000:FFF0, CS base FFFF0000), controls derived from the
 * capability MSRs, and load it on logical CPU `id % nr_pcpus`. VCPUs that
 * share a logical CPU take turns: each run makes its VMCS current there. */
LIBVCPU_API int vcpu_create(struct vm *vm, unsigned id, struct vcpu **out);

/* Run until a handler returns VCPU_EXIT_RETURN (returns 0) or something
 * fails (returns the error; vcpu_error_detail() says more). Refused with
 * VCPU_EBUSY while running, VCPU_EDESTROYED after destroy, VCPU_EBLOCKED if
 * halted with nothing pending. */
LIBVCPU_API int vcpu_run(struct vcpu *vcpu);

/* Make a blocked (halted) VCPU runnable without an event, as a VMM does
 * when it stops waiting for one (KVM_SET_MP_STATE to RUNNABLE): the guest
 * continues after its HLT. No effect on a VCPU that is not blocked. */
LIBVCPU_API int vcpu_wake(struct vcpu *vcpu);

/* Ask vcpu_run() to return VCPU_EINTR as soon as it can: before the next
 * entry, or by interrupting the guest where the backend can (KVM: together
 * with a signal to the running thread). Async-signal-safe, and safe from any thread. */
LIBVCPU_API void vcpu_request_exit(struct vcpu *vcpu);

/* For a handler: complete the instruction that exited by advancing RIP
 * past it (and ending an STI/MOV-SS shadow). A no-op where the backend
 * completes it itself, as KVM does for I/O, MMIO and HLT exits. */
LIBVCPU_API void vcpu_skip_instruction(struct vcpu *vcpu);

/* Move the VCPU to logical CPU `pcpu`: VMCLEAR where it is, VMPTRLD there;
 * the next entry is a VMLAUNCH. Refused while running or destroyed. */
LIBVCPU_API int vcpu_migrate(struct vcpu *vcpu, unsigned pcpu);

/* Release the VCPU's backend resources. The handle stays valid (every call
 * on it returns VCPU_EDESTROYED) until vm_destroy(). Refused while running. */
LIBVCPU_API int vcpu_destroy(struct vcpu *vcpu);

LIBVCPU_API void vcpu_get_booking(const struct vcpu *vcpu, struct vcpu_booking *out);
LIBVCPU_API struct vm *vcpu_vm(const struct vcpu *vcpu);
LIBVCPU_API unsigned vcpu_id(const struct vcpu *vcpu);

/* The exit vcpu_run() last took (also valid inside a handler). */
LIBVCPU_API const struct vmx_exit *vcpu_last_exit(const struct vcpu *vcpu);

/* A message for the last error vcpu_run() or an accessor returned on this
 * VCPU: which check, field, port, or address. Empty if none. */
LIBVCPU_API const char *vcpu_error_detail(const struct vcpu *vcpu);

/* The VM-entry check that failed on the last failed entry, or NULL. */
LIBVCPU_API const struct vmx_entry_failure *vcpu_entry_failure(const struct vcpu *vcpu);

/* Run the core's VM-entry checks on the VCPU's current state. Returns 0 if
 * an entry would pass them, else VCPU_EENTRY_* with *failure filled. Where
 * the backend owns the controls and host state (KVM) only the guest-state
 * checks run. */
LIBVCPU_API int vcpu_check_entry(struct vcpu *vcpu, struct vmx_entry_failure *failure);

/* ---- Guest state ---------------------------------------------------------- */

/* Registers by the SDM's numbering (the CR-access qualification's), then
 * the rest. RSP, RIP and RFLAGS live in the VMCS; the others do not. */
enum vcpu_reg {
	VCPU_REG_RAX, VCPU_REG_RCX, VCPU_REG_RDX, VCPU_REG_RBX,
	VCPU_REG_RSP, VCPU_REG_RBP, VCPU_REG_RSI, VCPU_REG_RDI,
	VCPU_REG_R8, VCPU_REG_R9, VCPU_REG_R10, VCPU_REG_R11,
	VCPU_REG_R12, VCPU_REG_R13, VCPU_REG_R14, VCPU_REG_R15,
	VCPU_REG_RIP, VCPU_REG_RFLAGS,
	VCPU_REG_CR2, VCPU_REG_DR0, VCPU_REG_DR1, VCPU_REG_DR2, VCPU_REG_DR3,
	VCPU_REG_DR6, VCPU_REG_XCR0,
	VCPU_NR_REGS
};

LIBVCPU_API const char *vcpu_reg_name(enum vcpu_reg reg);
LIBVCPU_API int vcpu_get_reg(struct vcpu *vcpu, enum vcpu_reg reg, uint64_t *value);
LIBVCPU_API int vcpu_set_reg(struct vcpu *vcpu, enum vcpu_reg reg, uint64_t value);

/* VMREAD / VMWRITE on the VCPU's software VMCS, with the SDM's semantics:
 * an unknown or unsupported component fails with VCPU_EVMCS_UNSUPPORTED
 * (VM-instruction error 12), a VMWRITE to a read-only one with
 * VCPU_EVMCS_READ_ONLY (error 13, unless IA32_VMX_MISC[29] allows it);
 * the number is also left in VMCS_VM_INSTRUCTION_ERROR. Values are
 * truncated to the component's width; a _HIGH access reads or writes bits
 * 63:32 of a 64-bit component. */
LIBVCPU_API int vcpu_vmread(struct vcpu *vcpu, uint32_t field, uint64_t *value);
LIBVCPU_API int vcpu_vmwrite(struct vcpu *vcpu, uint32_t field, uint64_t value);

/* Guest-visible control registers: CR0/CR4 as the guest reads them
 * ((shadow & mask) | (real & ~mask)), the guest's CR3, and CR8 (TPR). */
LIBVCPU_API int vcpu_get_cr(struct vcpu *vcpu, unsigned cr, uint64_t *value);

/* Set a control register as a guest MOV to CRn would, without the exit:
 * read shadow, real value within the fixed bits, the paging callback.
 * VCPU_EINVAL where the guest would get #GP. */
LIBVCPU_API int vcpu_set_cr(struct vcpu *vcpu, unsigned cr, uint64_t value);

/* Intercept (or not) guest accesses to `count` ports from `port` through
 * the I/O bitmaps, and exceptions through the exception bitmap. */
LIBVCPU_API int vcpu_set_io_intercept(struct vcpu *vcpu, uint16_t port, unsigned count,
				      bool intercept);
LIBVCPU_API bool vcpu_io_intercepted(struct vcpu *vcpu, uint16_t port, unsigned size);
LIBVCPU_API int vcpu_set_exception_intercept(struct vcpu *vcpu, unsigned vector, bool intercept);

/* TSC offsetting: the guest reads host TSC + offset. */
LIBVCPU_API int vcpu_set_tsc_offset(struct vcpu *vcpu, int64_t offset);

/* ---- Event injection -------------------------------------------------------- */

/* Queue an external interrupt (vector 16-255). Delivered on an entry when
 * RFLAGS.IF = 1 and nothing blocks it, otherwise through an
 * interrupt-window exit. Wakes a blocked VCPU. */
LIBVCPU_API int vcpu_inject_interrupt(struct vcpu *vcpu, uint8_t vector);
/* Queue an NMI (through NMI-window exiting when blocked). */
LIBVCPU_API int vcpu_inject_nmi(struct vcpu *vcpu);
/* Queue a hardware exception for the next entry, with its error code when
 * the vector takes one. VCPU_EINVAL for an error code wider than 16 bits,
 * which VM entry would refuse. */
LIBVCPU_API int vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, uint32_t error_code);

/* ---- Diagnostics ------------------------------------------------------------ */

enum vcpu_dump_format {
	VCPU_DUMP_TEXT,		/* aligned "NAME  0x..." lines, grouped by type */
	VCPU_DUMP_JSON,		/* one JSON object: {"vmcs": {...}, "regs": {...}, ...} */
};

/* Write every VMCS component by name with its value, the registers not in
 * the VMCS and the booking info, one line per call to `print`. Components
 * the CPU does not support are left out. */
LIBVCPU_API int vcpu_dump(struct vcpu *vcpu, enum vcpu_dump_format format,
			  void (*print)(void *ctx, const char *line), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_VCPU_H */
