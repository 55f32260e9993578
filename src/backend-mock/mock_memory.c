/*
 * libvcpu - the mock's host-physical memory: every page the mock knows has
 * an address it handed out, so a VMCS field holding an address is looked
 * up, never dereferenced. An unknown address reads as all ones, like
 * memory with nothing behind it.
 */
#include <string.h>

#include "mock_internal.h"

int mock_page_add(struct mock_vm *m, void *hva, struct mock_vmcs *vmcs, uint64_t *hpa)
{
	if (m->nr_pages == m->cap_pages) {
		unsigned cap = m->cap_pages ? m->cap_pages * 2 : 16;
		struct mock_page *pages = plat_alloc_aligned(cap * sizeof(*pages), 16);

		if (!pages)
			return VCPU_ENOMEM;
		if (m->nr_pages)
			memcpy(pages, m->pages, m->nr_pages * sizeof(*pages));
		plat_free(m->pages);
		m->pages = pages;
		m->cap_pages = cap;
	}
	*hpa = m->next_hpa;
	m->next_hpa += 4096;
	m->pages[m->nr_pages++] = (struct mock_page){ *hpa, hva, vmcs };
	return 0;
}

struct mock_page *mock_page_find(struct mock_vm *m, uint64_t hpa)
{
	uint64_t index = (hpa - MOCK_HPA_BASE) / 4096;

	/* Pages are handed out in address order and never removed. */
	if (hpa < MOCK_HPA_BASE || index >= m->nr_pages)
		return NULL;
	return &m->pages[index];
}

void mock_pages_free(struct mock_vm *m)
{
	for (unsigned i = 0; i < m->nr_pages; i++)
		plat_free(m->pages[i].vmcs);
	plat_free(m->pages);
	m->pages = NULL;
	m->nr_pages = m->cap_pages = 0;
}
