/*
 * libvcpu - guest-physical memory on the processor. With EPT (in use with
 * unrestricted guest): a 4-level, write-back EPT mapping each region's
 * guest-physical pages to the host-physical pages behind it (SDM Vol. 3C
 * "EPT Translation Mechanism"). Without it guest-physical addresses are
 * host-physical ones, so a region must sit where its guest address says,
 * and the identity map that real mode and paging-off protected mode run on
 * can be a host page the guest cannot reach.
 */
#include <string.h>

#include "vmx_raw_internal.h"

#define EPT_RWX			7ull
#define EPT_MEMTYPE_WB		(6ull << 3)	/* leaf entries, bits 5:3 */
#define EPT_ADDR_MASK		0x000ffffffffff000ull
#define EPTP_MEMTYPE_WB		6ull		/* the tables' memory type, bits 2:0 */
#define EPTP_WALK_4		(3ull << 3)	/* page-walk length - 1 */
#define EPT_LEVEL_SHIFT(l)	(12 + 9 * (l))	/* l = 0 (PT) ... 3 (PML4) */
#define EPT_GPA_LIMIT		(1ull << 48)	/* what 4 levels translate */

/* IA32_VMX_EPT_VPID_CAP (Appendix A.10) */
#define EPT_CAP_INVEPT		(1ull << 20)
#define EPT_CAP_INVEPT_SINGLE	(1ull << 25)
#define EPT_CAP_INVEPT_ALL	(1ull << 26)

static bool ept_in_use(const struct vm *vm)
{
	return vmxr_vm_of(vm)->ept_pml4 && vm->unrestricted_guest;
}

static uint64_t *new_table(void)
{
	uint64_t *t = plat_alloc_aligned(4096, 4096);

	if (t)
		memset(t, 0, 4096);
	return t;
}

int vmxr_memory_init(struct vm *vm)
{
	struct vmxr_vm *x = vmxr_vm_of(vm);

	if (!vm_feature(vm, VCPU_BACKEND_CAP_EPT))
		return 0;
	x->ept_pml4 = new_table();
	if (!x->ept_pml4)
		return VCPU_ENOMEM;
	x->eptp = vmxr_hpa(x->ept_pml4) | EPTP_MEMTYPE_WB | EPTP_WALK_4;
	return 0;
}

static void free_level(uint64_t *table, unsigned level)
{
	for (unsigned i = 0; level > 0 && i < 512; i++)
		if (table[i] & EPT_RWX)
			free_level(vmxr_hva(table[i] & EPT_ADDR_MASK), level - 1);
	plat_free(table);
}

void vmxr_memory_fini(struct vm *vm)
{
	struct vmxr_vm *x = vmxr_vm_of(vm);
	const uint64_t caps = vm->caps.ept_vpid_cap;
	uint64_t desc[2] = { x->eptp, 0 };

	plat_free(x->identity_map);
	x->identity_map = NULL;
	if (!x->ept_pml4)
		return;
	/* The processor may cache translations of this EPTP: drop them before
	 * the tables are reused as anything else. */
	if (caps & EPT_CAP_INVEPT) {
		if (caps & EPT_CAP_INVEPT_SINGLE)
			vmxr_invept(1, desc);
		else if (caps & EPT_CAP_INVEPT_ALL)
			vmxr_invept(2, desc);
	}
	free_level(x->ept_pml4, 3);
	x->ept_pml4 = NULL;
}

/* The page-table entry mapping `gpa`, the tables on the way made. */
static uint64_t *ept_pte(uint64_t *pml4, uint64_t gpa)
{
	uint64_t *table = pml4;

	for (unsigned level = 3; level > 0; level--) {
		uint64_t *e = &table[gpa >> EPT_LEVEL_SHIFT(level) & 511];

		if (!(*e & EPT_RWX)) {
			uint64_t *next = new_table();

			if (!next)
				return NULL;
			*e = vmxr_hpa(next) | EPT_RWX;
		}
		table = vmxr_hva(*e & EPT_ADDR_MASK);
	}
	return &table[gpa >> EPT_LEVEL_SHIFT(0) & 511];
}

int vmxr_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host)
{
	struct vmxr_vm *x = vmxr_vm_of(vm);
	uint64_t hpa = vmxr_hpa(host);

	if (!ept_in_use(vm)) {
		if (hpa != gpa)
			return vm_fail(VCPU_ENOTSUP, "vmx: without EPT guest-physical addresses are host-physical: "
				       "guest memory at 0x%llx must be host memory at physical 0x%llx, not 0x%llx",
				       (unsigned long long)gpa, (unsigned long long)gpa, (unsigned long long)hpa);
		return 0;
	}
	if (hpa & 0xfff)
		return vm_fail(VCPU_EINVAL, "vmx: guest memory at 0x%llx is not page aligned in the host (0x%llx)",
			       (unsigned long long)gpa, (unsigned long long)hpa);
	if (gpa + size > EPT_GPA_LIMIT)
		return vm_fail(VCPU_ELIMIT, "vmx: guest memory at 0x%llx-0x%llx is beyond what a 4-level EPT maps",
			       (unsigned long long)gpa, (unsigned long long)(gpa + size - 1));
	/* New entries only: a not-present entry is never cached, so no INVEPT. */
	for (uint64_t off = 0; off < size; off += 4096) {
		uint64_t *pte = ept_pte(x->ept_pml4, gpa + off);

		if (!pte) {
			/* The region is not added: take back what was mapped. */
			for (uint64_t back = 0; back < off; back += 4096)
				*ept_pte(x->ept_pml4, gpa + back) = 0;
			return VCPU_ENOMEM;
		}
		*pte = (hpa + off) | EPT_RWX | EPT_MEMTYPE_WB;
	}
	return 0;
}

/*
 * Without unrestricted guest, paging stays on in the real CR0 and the core
 * points CR3 at its identity map while the guest's paging is off. Unless
 * the embedder placed one in guest memory (vm_set_identity_map), it is this
 * host page: 1024 PDEs mapping 4 MiB pages 1:1, present, writable, user.
 */
int vmxr_identity_map_default(struct vm *vm)
{
	struct vmxr_vm *x = vmxr_vm_of(vm);
	uint32_t *pd;

	if (vm->unrestricted_guest || vm->identity_map_gpa || x->identity_map)
		return 0;
	pd = plat_alloc_aligned(4096, 4096);
	if (!pd)
		return VCPU_ENOMEM;
	for (uint32_t i = 0; i < 1024; i++)
		pd[i] = i << 22 | 0x87u;
	x->identity_map = pd;
	vm->identity_map_gpa = vmxr_hpa(pd);
	return 0;
}

uint64_t vmxr_eptp(struct vm *vm)
{
	return vmxr_vm_of(vm)->eptp;
}
