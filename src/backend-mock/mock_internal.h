/*
 * libvcpu - the mock backend's model of VMX hardware: memory pages by
 * host-physical address, VMCS regions, and per-logical-CPU VMX state.
 */
#ifndef LIBVCPU_MOCK_INTERNAL_H
#define LIBVCPU_MOCK_INTERNAL_H

#include "core.h"
#include "libvcpu/mock.h"

#define MOCK_MAX_PCPUS 64
#define MOCK_INJECTED_LOG 32
#define MOCK_HPA_BASE 0x1000000ull	/* pages are handed out from 16 MiB up */

enum mock_launch_state { MOCK_CLEAR, MOCK_LAUNCHED };

/*
 * A VMCS region. The VM-entry checks are memoized per family: a family that
 * passed stays passed until a field it read on that pass is written (its
 * result is a function of exactly those fields), so an entry re-checks only
 * what changed since the last one.
 */
struct mock_vmcs {
	uint64_t hpa;
	uint32_t revision_id;
	enum mock_launch_state launch_state;
	int active_on;			/* logical CPU it is current on, -1 */
	uint64_t val[VMCS_NR_FIELD_SLOTS];
	uint32_t pending_families;	/* families to run on the next entry */
	uint16_t readers[VMCS_NR_FIELD_SLOTS];	/* families that read the slot */
	uint16_t family_reads[VMX_NR_CHECK_FAMILIES][VMCS_NR_FIELD_SLOTS];
	uint16_t nr_family_reads[VMX_NR_CHECK_FAMILIES];
};

/* A 4 KiB page the mock knows by host-physical address. */
struct mock_page {
	uint64_t hpa;
	void *hva;			/* host memory (bitmaps), or NULL */
	struct mock_vmcs *vmcs;		/* a VMCS region, or NULL */
};

struct mock_cpu {
	uint64_t vmxon_hpa;
	struct mock_vmcs *current;	/* NULL: no current VMCS */
};

struct mock_vm {
	struct vm *vm;
	unsigned nr_pcpus;
	struct mock_cpu cpu[MOCK_MAX_PCPUS];
	struct mock_page *pages;
	unsigned nr_pages, cap_pages;
	uint64_t next_hpa;
	uint64_t tsc;
	uint64_t eptp;
};

struct mock_vcpu {
	struct mock_vmcs *vmcs;
	struct vcpu_mock_exit *script;	/* steps [next, len) are still to come */
	unsigned next, len, cap;
	bool loop;			/* after the last step, start over at 0 */
	unsigned injected_total;
	struct vcpu_mock_event injected[MOCK_INJECTED_LOG];
};

static inline struct mock_vm *mock_vm_of(struct vm *vm)
{
	return vm->backend;
}

static inline struct mock_vcpu *mock_vcpu_of(const struct vcpu *vcpu)
{
	return vcpu->backend;
}

/* mock_memory.c */
int mock_page_add(struct mock_vm *m, void *hva, struct mock_vmcs *vmcs, uint64_t *hpa);
struct mock_page *mock_page_find(struct mock_vm *m, uint64_t hpa);
void mock_pages_free(struct mock_vm *m);

/* mock_vmx.c: the instructions, on logical CPU `cpu`. */
int mock_vmxon_all(struct mock_vm *m);
struct mock_vmcs *mock_vmcs_new(struct mock_vm *m);
int mock_vmclear(struct mock_vm *m, unsigned cpu, uint64_t hpa);
int mock_vmptrld(struct mock_vm *m, unsigned cpu, uint64_t hpa);
int mock_vmread(struct mock_vm *m, unsigned cpu, uint32_t field, uint64_t *value);
int mock_vmwrite(struct mock_vm *m, unsigned cpu, uint32_t field, uint64_t value);
int mock_vmentry_checks(struct mock_vm *m, unsigned cpu, bool launch, struct vmx_entry_failure *f);
void mock_store(struct mock_vmcs *v, unsigned slot, uint64_t value);
bool mock_field_supported(const struct vmx_caps *caps, uint32_t field);

/* mock_script.c */
int mock_take_exit(struct vcpu *vcpu);
void mock_script_free(struct mock_vcpu *mv);

#endif
