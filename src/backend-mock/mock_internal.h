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
#define MOCK_MAX_CHECKS 192		/* VM-entry checks the memo can track */
#define MOCK_CHECK_WORDS (MOCK_MAX_CHECKS / 64)
#define MOCK_SHADOW_VMCS 0x80000000u	/* revision id bit 31 (SDM "VMCS Types") */

enum mock_launch_state { MOCK_CLEAR, MOCK_LAUNCHED };

/*
 * A VMCS region. The VM-entry checks are memoized one by one: a check's
 * result is a function of the fields it reads, so a check that passed stays
 * passed until one of them is written, and an entry re-runs only the checks
 * whose inputs changed. The fields a check has ever read are kept (a
 * superset of what its last pass read: at worst an extra re-run).
 */
struct mock_vmcs {
	uint64_t hpa;
	uint32_t revision_id;
	enum mock_launch_state launch_state;
	int active_on;			/* logical CPU it is current on, -1 */
	uint64_t val[VMCS_NR_FIELD_SLOTS];
	uint64_t pending[MOCK_CHECK_WORDS];	/* checks to run on the next entry */
	uint64_t readers[VMCS_NR_FIELD_SLOTS][MOCK_CHECK_WORDS];	/* checks that read the slot */
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
	unsigned nr_checks;		/* the checks in SDM order, by family */
	uint8_t check_family[MOCK_MAX_CHECKS];
	uint8_t check_index[MOCK_MAX_CHECKS];
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
int mock_number_checks(struct mock_vm *m);
struct mock_vmcs *mock_vmcs_new(struct mock_vm *m);
int mock_vmclear(struct mock_vm *m, unsigned cpu, uint64_t hpa);
int mock_vmptrld(struct mock_vm *m, unsigned cpu, uint64_t hpa);
int mock_vmread(struct mock_vm *m, unsigned cpu, uint32_t field, uint64_t *value);
int mock_vmwrite(struct mock_vm *m, unsigned cpu, uint32_t field, uint64_t value);
/* VMLAUNCH/VMRESUME up to the checks: launch state, then every VM-entry
 * check whose inputs changed. The caller commits the launch state. */
int mock_vmentry_checks(struct mock_vm *m, unsigned cpu, bool launch, struct vmx_entry_failure *f);
void mock_store(struct mock_vmcs *v, unsigned slot, uint64_t value);

/* mock_script.c: the exit an entry will end in, chosen before the entry
 * commits (nothing changes if it cannot be chosen), then delivered. */
struct mock_delivery {
	bool valid;			/* the entry carries an event */
	uint64_t intr_info;
	uint64_t rflags;		/* guest RFLAGS once it is delivered */
	uint64_t interruptibility;	/* and its interruptibility state */
};

struct mock_plan {
	struct mock_delivery event;		/* the entry's event and its effects */
	unsigned window;			/* interrupt/NMI window exit, or 0 */
	const struct vcpu_mock_exit *step;	/* else the scripted exit */
};
int mock_prepare_exit(struct vcpu *vcpu, struct mock_plan *plan);
void mock_commit_exit(struct vcpu *vcpu, const struct mock_plan *plan);
void mock_script_free(struct mock_vcpu *mv);

/* mock_exits.c: why the processor could not produce `step`, or NULL. */
const char *mock_exit_impossible(const struct vcpu *vcpu, const struct vcpu_mock_exit *step);

#endif
