/*
 * libvcpu - guest-physical memory: caller-owned host buffers mapped at
 * guest-physical addresses, reached only through bounds-checked accessors.
 */
#include <string.h>

#include "core.h"

#define PAGE_MASK 0xfffull

struct memory_region *vm_region_of(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->nr_regions; i++) {
		struct memory_region *r = &vm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

int vm_add_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host)
{
	int r;

	if (!vm || !host || !size || (gpa & PAGE_MASK) || (size & PAGE_MASK) || gpa + size < gpa)
		return VCPU_EINVAL;
	if (vm->nr_regions == VM_MAX_MEMORY_REGIONS)
		return VCPU_ELIMIT;
	for (unsigned i = 0; i < vm->nr_regions; i++) {
		const struct memory_region *m = &vm->regions[i];

		if (gpa < m->gpa + m->size && m->gpa < gpa + size)
			return VCPU_EEXIST;
	}
	if (vm->ops->map_memory) {
		r = vm->ops->map_memory(vm, gpa, size, host);
		if (r < 0)
			return r;
	}
	vm->regions[vm->nr_regions++] = (struct memory_region){ gpa, size, host };
	return 0;
}

/* Copy between guest and host a range that may span adjacent regions;
 * checks the whole range before touching anything. */
static int guest_copy(struct vm *vm, uint64_t gpa, void *buf, size_t len, bool write)
{
	uint64_t addr = gpa;
	size_t left = len;

	if (gpa + len < gpa)
		return VCPU_EFAULT;
	while (left) {
		struct memory_region *r = vm_region_of(vm, addr);
		uint64_t chunk;

		if (!r)
			return VCPU_EFAULT;
		chunk = r->size - (addr - r->gpa);
		if (chunk > left)
			chunk = left;
		addr += chunk;
		left -= chunk;
	}
	addr = gpa;
	left = len;
	for (uint8_t *p = buf; left;) {
		struct memory_region *r = vm_region_of(vm, addr);
		uint64_t off = addr - r->gpa;
		size_t chunk = (size_t)(r->size - off < left ? r->size - off : left);

		if (write)
			memcpy(r->host + off, p, chunk);
		else
			memcpy(p, r->host + off, chunk);
		p += chunk;
		addr += chunk;
		left -= chunk;
	}
	return 0;
}

int vm_read_guest(struct vm *vm, uint64_t gpa, void *buf, size_t len)
{
	if (!vm || (!buf && len))
		return VCPU_EINVAL;
	return guest_copy(vm, gpa, buf, len, false);
}

int vm_write_guest(struct vm *vm, uint64_t gpa, const void *buf, size_t len)
{
	if (!vm || (!buf && len))
		return VCPU_EINVAL;
	return guest_copy(vm, gpa, (void *)buf, len, true);
}

void *vm_guest_ptr(struct vm *vm, uint64_t gpa, size_t len)
{
	struct memory_region *r;

	if (!vm || gpa + len < gpa)
		return NULL;
	r = vm_region_of(vm, gpa);
	if (!r || len > r->size - (gpa - r->gpa))
		return NULL;
	return r->host + (gpa - r->gpa);
}

/* 1024 page-directory entries mapping 4 MiB pages 1:1 (present, writable,
 * user, page size): the page table paging-off protected mode runs on when
 * CR0.PG must stay 1 (no unrestricted guest). */
int vm_set_identity_map(struct vm *vm, uint64_t gpa)
{
	uint32_t *pd;

	if (!vm || (gpa & PAGE_MASK) || !gpa)
		return VCPU_EINVAL;
	pd = vm_guest_ptr(vm, gpa, 4096);
	if (!pd)
		return VCPU_EFAULT;
	for (uint32_t i = 0; i < 1024; i++)
		pd[i] = (i << 22) | 0x87u;
	vm->identity_map_gpa = gpa;
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->state != VCPU_STATE_DESTROYED)
			cr_sync_paging(vm->vcpus[i]);
	return 0;
}
