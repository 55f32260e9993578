/*
 * libvcpu - the raw VMX backend: the core's VMCS operations done by the
 * processor itself, in ring 0, through a small assembly shim.
 *
 * Freestanding: no libc beyond what the core uses, no OS. It needs a 64-bit
 * ring-0 host with paging on, a TSS loaded (TR is host state), one logical
 * CPU, and from the host, beside plat_alloc_aligned/plat_free, the physical
 * address of its pointers (plat_virt_to_phys, plat_phys_to_virt: only
 * vmxr_hpa and vmxr_hva call them).
 */
#ifndef LIBVCPU_VMX_RAW_INTERNAL_H
#define LIBVCPU_VMX_RAW_INTERNAL_H

#include "core.h"
#include "vmx_raw_cpu.h"

/* Supplied by the host (examples/vmxhost/host.h). */
uint64_t plat_virt_to_phys(const void *p);
void *plat_phys_to_virt(uint64_t pa);


/* ---- the shim (vmx_raw_shim.S) ------------------------------------------
 * Each VMX instruction returns 0, VMXR_FAIL_INVALID (VMfailInvalid: CF) or
 * the VM-instruction error number (VMfailValid: ZF), read from the VMCS. */
#define VMXR_FAIL_INVALID (-1)

/* The guest's registers that the VMCS does not hold, while the host runs.
 * The shim knows these offsets (checked in vmx_raw_enter.c). */
struct vmxr_regs {
	uint64_t gpr[16];	/* SDM order; [4] unused: RSP is GUEST_RSP */
	uint64_t cr2;
	uint64_t host_rsp;	/* HOST_RSP as last written by the shim; 0: never */
};

int vmxr_vmxon(uint64_t pa);
int vmxr_vmxoff(void);
int vmxr_vmclear(uint64_t pa);
int vmxr_vmptrld(uint64_t pa);
int vmxr_vmread(uint64_t field, uint64_t *value);
int vmxr_vmwrite(uint64_t field, uint64_t value);
int vmxr_invept(uint64_t type, const uint64_t desc[2]);
int vmxr_invvpid(uint64_t type, const uint64_t desc[2]);
/* VMLAUNCH (launch != 0) or VMRESUME with the guest registers of `regs`;
 * 0 after a VM exit (registers saved back), else as above. */
int vmxr_enter(struct vmxr_regs *regs, int launch);
/* HOST_RIP: where a VM exit lands. Not callable. */
void vmxr_exit_entry(void);

/* ---- per VM and per VCPU --------------------------------------------------*/

/* An entry of a VM-entry/VM-exit MSR area (SDM "VM-Entry Controls for MSRs"). */
struct vmxr_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};

/* The guest's EFER and PAT go through MSR-load areas where the VMCS has no
 * field for them: one entry each at most. */
#define VMXR_MAX_SWITCHED_MSRS 2

struct vmxr_vm {
	uint64_t *ept_pml4;		/* NULL without EPT */
	uint64_t eptp;
	uint32_t *identity_map;		/* the default one, without EPT */
	struct vmxr_dtr host_gdtr;	/* a VM exit leaves their limits at 0xffff */
	struct vmxr_dtr host_idtr;
};

struct vmxr_vcpu {
	struct vmxr_regs regs;
	void *vmcs;			/* 4 KiB region, revision id first */
	uint64_t vmcs_hpa;
	/* One page: the VM-entry MSR-load area, then the VM-exit one. */
	struct vmxr_msr_entry *msr_area;
	/* The controls and host state passed the core's checks and no
	 * control or host field was written since. */
	bool controls_checked;
};

#define VMXR_EXIT_MSR_AREA(v) ((v)->msr_area + VMXR_MAX_SWITCHED_MSRS)

static inline struct vmxr_vm *vmxr_vm_of(const struct vm *vm)
{
	return vm->backend;
}

static inline struct vmxr_vcpu *vmxr_vcpu_of(const struct vcpu *vcpu)
{
	return vcpu->backend;
}

/* vmx_raw_cpu.c: this logical CPU's VMX operation, shared by every VM;
 * host-physical addresses. */
uint64_t vmxr_hpa(const void *p);
void *vmxr_hva(uint64_t hpa);
int vmxr_cpu_get(struct vm *vm);	/* VMXON for the first VM */
void vmxr_cpu_put(void);		/* VMXOFF after the last */
/* The VMCS the processor has current; VMPTRLD it if another one is. */
int vmxr_make_current(struct vcpu *vcpu);
void vmxr_current_is(uint64_t hpa);	/* 0: none */
uint64_t vmxr_current(void);

/* vmx_raw_caps.c */
void vmxr_read_caps(struct vm *vm);
void vmxr_set_features(struct vm *vm);

/* vmx_raw_host.c: the host state of the running CPU into the core's VMCS. */
void vmxr_put_host_state(struct vcpu *vcpu);

/* vmx_raw_state.c */
int vmxr_read_slot(struct vcpu *vcpu, unsigned slot, uint64_t *value);
int vmxr_flush(struct vcpu *vcpu, const slot_set *dirty);
void vmxr_setup_msr_areas(struct vcpu *vcpu);
void vmxr_load_msr_areas(struct vcpu *vcpu);

/* vmx_raw_enter.c */
int vmxr_enter_guest(struct vcpu *vcpu, bool launch);
/* A failed VMX instruction (r from the shim, operand may be NULL) as an
 * error with its message. */
int vmxr_insn_fail(struct vcpu *vcpu, int r, const char *insn, const char *operand);

/* vmx_raw_ept.c */
int vmxr_memory_init(struct vm *vm);
void vmxr_memory_fini(struct vm *vm);
int vmxr_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host);
uint64_t vmxr_eptp(struct vm *vm);
int vmxr_identity_map_default(struct vm *vm);

#endif
