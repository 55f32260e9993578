/*
 * fuzz_emulate: building the machine an input describes: memory in
 * exactly-sized buffers, the callbacks that serve and check every access,
 * and the state the emulator starts from.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_emulate.h"

uint8_t io_bitmap[8192];

/* ---- memory ------------------------------------------------------------------------ */

uint8_t *mem_byte(const struct machine *m, uint64_t phys)
{
	if (phys < m->window_size)
		return m->window + phys;
	if (phys < m->low_size)
		return m->low + (phys - m->window_size);
	if (m->high && phys >= m->high_base && phys - m->high_base < HIGH_SIZE)
		return m->high + (phys - m->high_base);
	return NULL;
}

static int mem_access(struct machine *m, uint64_t phys, uint8_t *buf, unsigned len, bool write)
{
	FUZZ_ASSERT(len >= 1 && len <= 16, "callback access of %u bytes", len);
	FUZZ_ASSERT(phys >= m->window_size, "callback for 0x%llx, inside the RAM window (0x%x)",
		    (unsigned long long)phys, m->window_size);
	FUZZ_ASSERT(phys + len <= 1ull << 32, "callback access at 0x%llx+%u past 4 GiB",
		    (unsigned long long)phys, len);
	if (m->c->mode & M_A20_OFF)
		FUZZ_ASSERT(!((phys | (phys + len - 1)) & (1u << 20)),
			    "A20 is off but 0x%llx+%u has bit 20", (unsigned long long)phys, len);
	for (unsigned i = 0; i < len; i++) {
		if (!mem_byte(m, phys + i) && !(m->c->layout & L_OPEN_BUS)) {
			m->refusals++;
			m->refused = (struct access){ phys, len, write };
			return VCPU_EFAULT;
		}
	}
	for (unsigned i = 0; i < len; i++) {
		uint8_t *p = mem_byte(m, phys + i);

		if (write && p)
			*p = buf[i];
		else if (!write)
			buf[i] = p ? *p : 0xff;
	}
	return 0;
}

static int mem_read(void *opaque, uint64_t phys, void *buf, unsigned len)
{
	return mem_access(opaque, phys, buf, len, false);
}

static int mem_write(void *opaque, uint64_t phys, const void *buf, unsigned len)
{
	return mem_access(opaque, phys, (uint8_t *)buf, len, true);
}

/* ---- ports, CPUID, TSC --------------------------------------------------------------- */

static void check_io(struct machine *m, uint16_t port, unsigned size)
{
	FUZZ_ASSERT(size == 1 || size == 2 || size == 4, "I/O of %u bytes", size);
	FUZZ_ASSERT(!(m->c->intercepts & EMU_INTERCEPT_IO), "I/O callback with I/O intercepted");
	if (!(emu_get_reg(m->emu, VCPU_REG_RFLAGS) & FL_VM))
		return;
	/* Virtual-8086 mode: the I/O bitmap must have allowed every byte. */
	FUZZ_ASSERT(m->c->mode & M_IO_BITMAP, "VM86 I/O to port 0x%x without a bitmap", port);
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;

		FUZZ_ASSERT(p <= 0xffff && !((io_bitmap[p >> 3] >> (p & 7)) & 1),
			    "VM86 I/O to port 0x%x the bitmap forbids", p);
	}
}

static int io_in(void *opaque, uint16_t port, unsigned size, uint32_t *value)
{
	struct machine *m = opaque;

	check_io(m, port, size);
	if (port == m->c->err_port)
		return VCPU_ENODEV;
	*value = port * 0x9e3779b1u + m->io_count++;
	return 0;
}

static int io_out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	struct machine *m = opaque;

	check_io(m, port, size);
	FUZZ_ASSERT(size == 4 || value >> (8 * size) == 0, "OUT of %u bytes with value 0x%x", size, value);
	m->io_count++;
	return port == m->c->err_port ? VCPU_ENODEV : 0;
}

static int cpuid(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct machine *m = opaque;

	FUZZ_ASSERT(!(m->c->intercepts & EMU_INTERCEPT_CPUID), "CPUID callback with CPUID intercepted");
	if (leaf == ERR_LEAF)
		return VCPU_ENODEV;
	for (unsigned i = 0; i < 4; i++)
		out[i] = leaf * (i + 1) ^ subleaf;
	return 0;
}

static uint64_t rdtsc(void *opaque)
{
	struct machine *m = opaque;

	FUZZ_ASSERT(!(m->c->intercepts & EMU_INTERCEPT_RDTSC), "RDTSC callback with RDTSC intercepted");
	return (uint64_t)(m->tsc += 1000) << 8;
}

static const struct emu_ops all_ops = {
	.read = mem_read, .write = mem_write, .io_in = io_in, .io_out = io_out,
	.cpuid = cpuid, .rdtsc = rdtsc,
};
static const struct emu_ops memory_ops = { .read = mem_read, .write = mem_write };

/* ---- the input ----------------------------------------------------------------------- */

void parse(struct fuzz_input *in, struct config *c)
{
	c->layout = (uint8_t)fuzz_take(in, 1);
	c->mode = (uint8_t)fuzz_take(in, 1);
	c->cache = (uint8_t)fuzz_take(in, 1);
	c->steps = (uint8_t)fuzz_take(in, 1);
	c->intercepts = (uint8_t)fuzz_take(in, 1);
	c->exceptions = (uint32_t)fuzz_take(in, 4);
	c->cr0_bits = (uint8_t)fuzz_take(in, 1);
	c->shadow = (uint8_t)fuzz_take(in, 1);
	c->inject_vector = (uint8_t)fuzz_take(in, 1);
	c->io_bitmap_fill = (uint8_t)fuzz_take(in, 1);
	c->err_port = (uint16_t)fuzz_take(in, 2);
	c->idtr_base = (uint32_t)fuzz_take(in, 4);
	c->idtr_limit = (uint16_t)fuzz_take(in, 2);
	c->gdtr_base = (uint32_t)fuzz_take(in, 4);
	c->gdtr_limit = (uint16_t)fuzz_take(in, 2);
	for (unsigned i = 0; i < NR_GPRS; i++)
		c->gpr[i] = (uint32_t)fuzz_take(in, 4);
	c->eflags = (uint32_t)fuzz_take(in, 4);
	for (unsigned i = 0; i < NR_SEGS; i++)
		c->sel[i] = (uint16_t)fuzz_take(in, 2);
	c->ip = (uint16_t)fuzz_take(in, 2);
	c->code_len = (uint8_t)fuzz_take(in, 1);
	if (c->code_len > in->size - in->pos)
		c->code_len = (uint8_t)(in->size - in->pos);
	c->code = in->data + in->pos;
	in->pos += c->code_len;
	c->patches = in->data + in->pos;
	c->patches_len = in->size - in->pos;
}

static void poke(struct machine *m, uint64_t phys, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t *p = mem_byte(m, phys + i);

		if (p)
			*p = bytes[i];
	}
}

/* The IVT sends vector v to 0050:v, an IRET; then the input's patches. */
static void fill_memory(struct machine *m, uint32_t code_phys)
{
	const struct config *c = m->c;

	for (unsigned v = 0; v < 256; v++) {
		const uint8_t entry[4] = { (uint8_t)v, 0, (uint8_t)(HANDLER_BASE >> 4), 0 };
		const uint8_t iret = 0xcf;

		poke(m, v * 4, entry, 4);
		poke(m, HANDLER_BASE + v, &iret, 1);
	}
	poke(m, code_phys, c->code, c->code_len);
	for (size_t at = 0; at + 4 <= c->patches_len;) {
		const uint8_t *p = c->patches + at;
		uint32_t phys = p[0] | p[1] << 8 | (uint32_t)p[2] << 16;
		size_t len = p[3];

		at += 4;
		if (len > c->patches_len - at)
			len = c->patches_len - at;
		poke(m, phys, c->patches + at, len);
		at += len;
	}
}

static void set_field(struct machine *m, uint32_t field, uint64_t value)
{
	FUZZ_ASSERT(emu_set_field(m->emu, field, value) == 0, "emu_set_field(0x%x)", field);
}

/* CS:IP inside the low memory unless the input wants it raw. */
static void place_code(const struct machine *m, uint16_t *cs, uint16_t *ip)
{
	const struct config *c = m->c;
	uint32_t phys = (uint32_t)c->sel[CS] * 16 + c->ip;

	*cs = c->sel[CS];
	*ip = c->ip;
	if ((c->layout & L_RAW_CS_IP) || phys + c->code_len <= m->low_size)
		return;
	*cs = (uint16_t)(c->sel[CS] % (m->low_size / 16));
	*ip = (uint16_t)(c->ip % (m->low_size - *cs * 16u));
}

static void set_state(struct machine *m, uint16_t cs, uint16_t ip)
{
	const struct config *c = m->c;
	uint32_t cr0 = 0x60000010u | (c->cr0_bits & 0x7u) << 1 | (c->cr0_bits & 8u) << 2;
	uint32_t flags = c->eflags & ~FL_VM;
	bool vm86 = c->mode & M_VM86, pm = !vm86 && (c->mode & M_PROTECTED);

	if (vm86 || pm)
		cr0 |= CR0_PE;
	if (c->cr0_bits & 0x80)
		cr0 |= CR0_PG;
	if (vm86)
		flags |= FL_VM;
	for (unsigned i = 0; i < NR_GPRS; i++)
		emu_set_reg(m->emu, (enum vcpu_reg)i, c->gpr[i]);
	emu_set_reg(m->emu, VCPU_REG_RFLAGS, flags);
	emu_set_reg(m->emu, VCPU_REG_RIP, ip);
	for (unsigned s = 0; s < NR_SEGS; s++) {
		emu_load_real_segment(m->emu, s, s == CS ? cs : c->sel[s]);
		if (vm86)
			set_field(m, VMCS_GUEST_ES_AR_BYTES + 2 * s, s == CS ? 0xfb : 0xf3);
		else if (s != CS && (c->mode & M_UNREAL))
			set_field(m, VMCS_GUEST_ES_LIMIT + 2 * s, 0xffffffffu);
	}
	if (pm && (c->mode & M_CODE32)) {
		set_field(m, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
		set_field(m, VMCS_GUEST_CS_LIMIT, 0xffffffffu);
	}
	set_field(m, VMCS_GUEST_CR0, cr0);
	set_field(m, VMCS_GUEST_CR4, (c->cr0_bits & 0x20) ? 4 : 0);
	set_field(m, VMCS_GUEST_IDTR_BASE, c->idtr_base);
	set_field(m, VMCS_GUEST_IDTR_LIMIT, c->idtr_limit);
	set_field(m, VMCS_GUEST_GDTR_BASE, c->gdtr_base);
	set_field(m, VMCS_GUEST_GDTR_LIMIT, c->gdtr_limit);
	set_field(m, VMCS_GUEST_INTERRUPTIBILITY_INFO, c->shadow & 3);
	emu_set_a20(m->emu, !(c->mode & M_A20_OFF));
	emu_set_intercepts(m->emu, c->intercepts & 0x1f, c->exceptions);
	if (c->mode & M_IO_BITMAP)
		emu_set_vm86_io_bitmap(m->emu, io_bitmap);
}

void machine_start(struct machine *m, const struct config *c)
{
	struct emu_config ec = { .opaque = m };
	uint16_t cs, ip;

	memset(m, 0, sizeof(*m));
	m->c = c;
	m->low_size = low_sizes[L_LOW(c->layout)];
	m->window_size = window_sizes[L_WINDOW(c->layout)];
	if (m->window_size > m->low_size)
		m->window_size = m->low_size;
	m->high_base = high_bases[L_HIGH(c->layout)];
	/* Exactly sized, so that ASan sees any access past them. */
	m->window = m->window_size ? calloc(m->window_size, 1) : NULL;
	m->low = m->low_size > m->window_size ? calloc(m->low_size - m->window_size, 1) : NULL;
	m->high = m->high_base ? calloc(HIGH_SIZE, 1) : NULL;
	FUZZ_ASSERT((m->window || !m->window_size) && (m->low || m->low_size == m->window_size) &&
		    (m->high || !m->high_base), "out of memory");
	place_code(m, &cs, &ip);
	fill_memory(m, (uint32_t)cs * 16 + ip);
	ec.ops = (c->mode & M_NO_OPS) ? &memory_ops : &all_ops;
	ec.ram = m->window;
	ec.ram_size = m->window_size;
	ec.cache_entries = cache_sizes[c->cache & 3];
	FUZZ_ASSERT(emu_create(&ec, &m->emu) == 0, "emu_create");
	set_state(m, cs, ip);
}

void machine_free(struct machine *m)
{
	emu_destroy(m->emu);
	free(m->window);
	free(m->low);
	free(m->high);
}
