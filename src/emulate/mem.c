/*
 * libvcpu emulator - segmentation and memory: seg:offset -> linear (the
 * segment's base, limit and type checked) -> physical (the A20 gate; no
 * paging) -> the RAM window or the caller's callbacks. Nothing else is
 * ever touched.
 */
#include "emu_internal.h"

#define AR_TYPE_CODE	(1u << 3)
#define AR_TYPE_WRITE	(1u << 1)	/* data: writable */
#define AR_TYPE_READ	(1u << 1)	/* code: readable */
#define AR_TYPE_DOWN	(1u << 2)	/* data: expand-down */
#define AR_PRESENT	(1u << 7)
#define AR_DB		(1u << 14)
#define AR_UNUSABLE	(1u << 16)

/* ---- physical ---------------------------------------------------------------- */

int emu_phys_read(struct emu *e, uint64_t phys, void *buf, unsigned len)
{
	uint8_t *out = buf;

	if (phys < e->ram_size && len <= e->ram_size - phys) {
		memcpy(out, e->ram + phys, len);
		return 0;
	}
	/* Split where the RAM window ends. */
	while (len) {
		unsigned chunk = len;
		int r;

		if (phys < e->ram_size) {
			chunk = (unsigned)(e->ram_size - phys);
			memcpy(out, e->ram + phys, chunk);
		} else if (e->ops && e->ops->read) {
			r = e->ops->read(e->opaque, phys, out, chunk);
			if (r < 0)
				return emu_fail(e, r, "reading %u bytes at physical 0x%llx", chunk,
						(unsigned long long)phys);
		} else {
			memset(out, 0xff, chunk);
		}
		out += chunk;
		phys += chunk;
		len -= chunk;
	}
	return 0;
}

int emu_phys_write(struct emu *e, uint64_t phys, const void *buf, unsigned len)
{
	const uint8_t *in = buf;
	unsigned in_ram = len;
	int r;

	if (phys >= e->ram_size)
		in_ram = 0;
	else if (e->ram_size - phys < len)
		in_ram = (unsigned)(e->ram_size - phys);

	emu_note_write(e, phys, len);
	/* RAM starts at 0, so only the tail can lie past the window: it goes
	 * first, and a callback refusing it leaves RAM untouched. */
	if (in_ram < len && e->ops && e->ops->write) {
		r = e->ops->write(e->opaque, phys + in_ram, in + in_ram, len - in_ram);
		if (r < 0)
			return emu_fail(e, r, "writing %u bytes at physical 0x%llx", len - in_ram,
					(unsigned long long)(phys + in_ram));
	}
	if (in_ram)
		memcpy(e->ram + phys, in, in_ram);
	return 0;
}

/* ---- segments ------------------------------------------------------------------ */

/* The fault a bad access through `seg` raises: #SS for the stack. */
static int segment_fault(struct emu *e, unsigned seg)
{
	return emu_raise_error(e, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

/* Check an access of `size` bytes at seg:offset; the linear address. */
static int check_access(struct emu *e, unsigned seg, uint32_t offset, unsigned size, bool write,
			uint32_t *linear)
{
	const struct emu_segment *s = &e->seg[seg];
	uint32_t last = offset + size - 1;

	if (!emu_real(e) && !emu_vm86(e)) {
		uint32_t type = s->ar & 0xf;

		if ((s->ar & AR_UNUSABLE) || !(s->ar & AR_PRESENT))
			return segment_fault(e, seg);
		if (write && ((type & AR_TYPE_CODE) || !(type & AR_TYPE_WRITE)))
			return segment_fault(e, seg);
		if (!write && (type & AR_TYPE_CODE) && !(type & AR_TYPE_READ))
			return segment_fault(e, seg);
		if (!(type & AR_TYPE_CODE) && (type & AR_TYPE_DOWN)) {
			uint32_t top = (s->ar & AR_DB) ? 0xffffffffu : 0xffffu;

			if (offset <= s->limit || last > top || last < offset)
				return segment_fault(e, seg);
			*linear = s->base + offset;
			return 0;
		}
	}
	if (offset > s->limit || last > s->limit || last < offset)
		return segment_fault(e, seg);
	*linear = s->base + offset;
	return 0;
}

static inline uint64_t to_phys(const struct emu *e, uint32_t linear)
{
	return linear & e->a20_mask;
}

/* ---- linear ------------------------------------------------------------------------ */

/* The bytes of an access at `linear` up to where its physical addresses
 * jump: the linear address wraps at 4 GiB, and with the A20 gate off bit
 * 20 of every byte's address is masked. An access shorter than 1 MiB
 * jumps at most once. */
static unsigned contiguous(const struct emu *e, uint32_t linear, unsigned len)
{
	for (unsigned i = 1; i < len; i++)
		if (to_phys(e, linear + i) != to_phys(e, linear) + i)
			return i;
	return len;
}

int emu_linear_read(struct emu *e, uint32_t linear, void *buf, unsigned len)
{
	unsigned first = contiguous(e, linear, len);
	int r = emu_phys_read(e, to_phys(e, linear), buf, first);

	if (r || first == len)
		return r;
	return emu_phys_read(e, to_phys(e, linear + first), (uint8_t *)buf + first, len - first);
}

/* The piece at the higher address first: RAM starts at 0, so a piece the
 * callbacks refuse is met before any RAM is written (emu_phys_write
 * orders its own pieces the same way). */
int emu_linear_write(struct emu *e, uint32_t linear, const void *buf, unsigned len)
{
	const uint8_t *in = buf;
	unsigned first = contiguous(e, linear, len);
	uint64_t head = to_phys(e, linear), tail = to_phys(e, linear + first);
	int r;

	if (first == len)
		return emu_phys_write(e, head, in, len);
	if (tail > head) {
		r = emu_phys_write(e, tail, in + first, len - first);
		return r ? r : emu_phys_write(e, head, in, first);
	}
	r = emu_phys_write(e, head, in, first);
	return r ? r : emu_phys_write(e, tail, in + first, len - first);
}

int emu_read(struct emu *e, unsigned seg, uint32_t offset, void *buf, unsigned size)
{
	uint32_t linear;
	int r = check_access(e, seg, offset, size, false, &linear);

	return r ? r : emu_linear_read(e, linear, buf, size);
}

int emu_write(struct emu *e, unsigned seg, uint32_t offset, const void *buf, unsigned size)
{
	uint32_t linear;
	int r = check_access(e, seg, offset, size, true, &linear);

	return r ? r : emu_linear_write(e, linear, buf, size);
}

int emu_check_write(struct emu *e, unsigned seg, uint32_t offset, unsigned size)
{
	uint32_t linear;

	return check_access(e, seg, offset, size, true, &linear);
}

int emu_check_read(struct emu *e, unsigned seg, uint32_t offset, unsigned size)
{
	uint32_t linear;

	return check_access(e, seg, offset, size, false, &linear);
}

int emu_read_val_slow(struct emu *e, unsigned seg, uint32_t offset, unsigned size, uint32_t *v)
{
	uint8_t b[4] = { 0 };
	int r = emu_read(e, seg, offset, b, size);

	if (r)
		return r;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

int emu_write_val_slow(struct emu *e, unsigned seg, uint32_t offset, unsigned size, uint32_t v)
{
	const uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	return emu_write(e, seg, offset, b, size);
}

/* ---- the stack ------------------------------------------------------------------ */

static uint32_t stack_pointer(const struct emu *e)
{
	return emu_stack_size(e) == 4 ? e->gpr[R_SP] : e->gpr[R_SP] & 0xffff;
}

static void set_stack_pointer(struct emu *e, uint32_t sp)
{
	emu_set_gpr(e, R_SP, emu_stack_size(e), sp);
}

int emu_push(struct emu *e, unsigned size, uint32_t v)
{
	uint32_t sp = stack_pointer(e) - size;
	int r;

	if (emu_stack_size(e) == 2)
		sp &= 0xffff;
	r = emu_write_val(e, SEG_SS, sp, size, v);
	if (r)
		return r;
	set_stack_pointer(e, sp);
	return 0;
}

int emu_peek(struct emu *e, unsigned size, unsigned depth, uint32_t *v)
{
	uint32_t sp = stack_pointer(e) + depth * size;

	if (emu_stack_size(e) == 2)
		sp &= 0xffff;
	return emu_read_val(e, SEG_SS, sp, size, v);
}

int emu_pop(struct emu *e, unsigned size, uint32_t *v)
{
	int r = emu_peek(e, size, 0, v);

	if (r)
		return r;
	set_stack_pointer(e, stack_pointer(e) + size);
	return 0;
}

/* ---- segment loads --------------------------------------------------------------- */

void emu_load_real_segment_raw(struct emu *e, unsigned seg, uint16_t selector)
{
	struct emu_segment *s = &e->seg[seg];

	/* Real mode changes only selector and base: the limit and access
	 * rights stay as they were cached (so-called unreal mode). VM86 mode
	 * sets them all. */
	s->selector = selector;
	s->base = (uint32_t)selector << 4;
	if (emu_vm86(e)) {
		s->limit = 0xffff;
		s->ar = seg == SEG_CS ? 0xfb : 0xf3;
	}
}

/* Protected mode, CPL 0: a descriptor from the GDT (no LDT). */
static int load_descriptor(struct emu *e, unsigned seg, uint16_t selector)
{
	struct emu_segment *s = &e->seg[seg];
	unsigned index = selector & ~7u;
	uint8_t d[8];
	uint32_t ar, type;
	int r;

	if ((selector & ~3u) == 0) {
		if (seg == SEG_SS || seg == SEG_CS)
			return emu_raise_error(e, EXC_GP, 0);
		s->selector = selector;
		s->ar = AR_UNUSABLE;
		return 0;
	}
	if ((selector & 4) || index + 7 > e->gdtr_limit)
		return emu_raise_error(e, EXC_GP, selector & ~3u);
	r = emu_linear_read(e, e->gdtr_base + index, d, sizeof(d));
	if (r < 0)
		return r;
	ar = d[5] | (uint32_t)(d[6] & 0xf0) << 8;
	type = ar & 0xf;
	/* S = 1 only (code or data); CS executable; SS writable data. */
	if (!(ar & (1u << 4)) || (seg == SEG_CS && !(type & AR_TYPE_CODE)) ||
	    (seg == SEG_SS && ((type & AR_TYPE_CODE) || !(type & AR_TYPE_WRITE))) ||
	    (seg != SEG_CS && seg != SEG_SS && (type & AR_TYPE_CODE) && !(type & AR_TYPE_READ)))
		return emu_raise_error(e, EXC_GP, selector & ~3u);
	if (!(ar & AR_PRESENT))
		return emu_raise_error(e, seg == SEG_SS ? EXC_SS : EXC_NP, selector & ~3u);
	s->selector = selector;
	s->base = d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
	s->limit = d[0] | (uint32_t)d[1] << 8 | (uint32_t)(d[6] & 0x0f) << 16;
	if (ar & (1u << 15))
		s->limit = s->limit << 12 | 0xfff;
	s->ar = ar | 1;		/* accessed */
	return 0;
}

int emu_load_segment(struct emu *e, unsigned seg, uint16_t selector)
{
	if (emu_real(e) || emu_vm86(e)) {
		emu_load_real_segment_raw(e, seg, selector);
		return 0;
	}
	return load_descriptor(e, seg, selector);
}
