/*
 * libvcpu - a VM's CPUID table from the processor the library runs on,
 * leaf by leaf (subleaves where ECX selects one): where the guest's CPUID
 * is answered from the core's table (the emulate and raw VMX backends), a
 * start the embedder may replace with vm_set_cpuid().
 */
#include <cpuid.h>

#include "core.h"

/* Leaves whose ECX input selects a subleaf, and how many to take. */
static unsigned subleaves(uint32_t leaf)
{
	switch (leaf) {
	case 0x4: case 0x7: case 0xb: case 0xf: case 0x10: case 0x12: case 0x14:
	case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f: case 0x20: case 0x23: case 0x24:
		return 4;
	case 0xd:
		return 20;
	default:
		return 0;
	}
}

static void add(struct vcpu_cpuid_entry *t, unsigned *n, uint32_t leaf, uint32_t subleaf)
{
	unsigned a, b, c, d;

	if (*n >= VM_MAX_CPUID_ENTRIES)
		return;
	__cpuid_count(leaf, subleaf == VCPU_CPUID_SUBLEAF_ANY ? 0 : subleaf, a, b, c, d);
	t[(*n)++] = (struct vcpu_cpuid_entry){ leaf, subleaf, a, b, c, d };
}

static void add_range(struct vcpu_cpuid_entry *t, unsigned *n, uint32_t first, uint32_t last)
{
	for (uint32_t leaf = first; leaf <= last; leaf++) {
		unsigned sub = subleaves(leaf);

		if (!sub)
			add(t, n, leaf, VCPU_CPUID_SUBLEAF_ANY);
		for (unsigned s = 0; s < sub; s++)
			add(t, n, leaf, s);
	}
}

int cpuid_load_host(struct vm *vm)
{
	struct vcpu_cpuid_entry table[VM_MAX_CPUID_ENTRIES];
	unsigned n = 0, a, b, c, d;
	uint32_t max_basic, max_ext;

	__cpuid(0, a, b, c, d);
	max_basic = a < 0x3f ? a : 0x3f;
	__cpuid(0x80000000u, a, b, c, d);
	max_ext = a < 0x80000021u ? a : 0x80000021u;
	add_range(table, &n, 0, max_basic);
	if (max_ext >= 0x80000000u)
		add_range(table, &n, 0x80000000u, max_ext);
	/* Leaf 0 says how far the table goes. */
	table[0].eax = max_basic;
	return cpuid_replace(vm, table, n);
}
