/*
 * A guest state every capability profile can enter, for tests, fuzzers
 * and benchmarks: flat 32-bit protected mode, paging off (CR0 = PE|ET as
 * the guest sees it), CPL 0, RIP 0x1000, RSP 0x8000, IF clear, a busy TSS.
 * Header-only, so users without Check (fuzzers, bench/) take it too.
 */
#ifndef LIBVCPU_TEST_FLAT_PM_H
#define LIBVCPU_TEST_FLAT_PM_H

#include <stdint.h>

#include "libvcpu/libvcpu.h"

/* Writes every field even after a refusal; returns the first error (its
 * detail in vcpu_error_detail()) or 0. */
static inline int set_flat_protected_mode(struct vcpu *vcpu)
{
	static const uint32_t data_segs[][4] = {
		{ VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR_BYTES },
		{ VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR_BYTES },
		{ VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR_BYTES },
		{ VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR_BYTES },
		{ VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR_BYTES },
	};
	static const struct { uint32_t field; uint64_t value; } rest[] = {
		{ VMCS_GUEST_CS_SELECTOR, 0x08 },
		{ VMCS_GUEST_CS_BASE, 0 },
		{ VMCS_GUEST_CS_LIMIT, 0xffffffff },
		{ VMCS_GUEST_CS_AR_BYTES, 0xc09b },	/* G, D, P, S, code exec/read accessed */
		{ VMCS_GUEST_TR_SELECTOR, 0x18 },
		{ VMCS_GUEST_TR_BASE, 0x2000 },
		{ VMCS_GUEST_TR_LIMIT, 0x67 },
		{ VMCS_GUEST_TR_AR_BYTES, 0x8b },	/* P, busy 32-bit TSS */
		{ VMCS_GUEST_LDTR_SELECTOR, 0 },
		{ VMCS_GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE_MASK },
		{ VMCS_GUEST_GDTR_BASE, 0x1000 },
		{ VMCS_GUEST_GDTR_LIMIT, 0x1f },
		{ VMCS_GUEST_IDTR_BASE, 0x3000 },
		{ VMCS_GUEST_IDTR_LIMIT, 0x7ff },
		{ VMCS_GUEST_RIP, 0x1000 },
		{ VMCS_GUEST_RSP, 0x8000 },
		{ VMCS_GUEST_RFLAGS, VMX_RFLAGS_FIXED1 },
	};
	int first = vcpu_set_cr(vcpu, 0, VMX_CR0_PE | VMX_CR0_ET), r;

	for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
		/* G, B, P, S, data read/write accessed */
		const uint64_t values[4] = { 0x10, 0, 0xffffffff, 0xc093 };

		for (unsigned k = 0; k < 4; k++)
			if ((r = vcpu_vmwrite(vcpu, data_segs[i][k], values[k])) < 0 && !first)
				first = r;
	}
	for (unsigned i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		if ((r = vcpu_vmwrite(vcpu, rest[i].field, rest[i].value)) < 0 && !first)
			first = r;
	return first;
}

#endif
