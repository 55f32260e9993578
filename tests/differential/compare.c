/*
 * emu-diff - the two outcomes compared: EAX..EDI, EIP, FLAGS where
 * defined, the segment selectors, and all of RAM (an exception frame's
 * undefined FLAGS bits masked); and a mismatch printed field by field.
 */
#include <string.h>

#include "diff.h"

static const char *const gpr_names[8] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
static const char *const seg_names[NR_SEGS] = { "ES", "CS", "SS", "DS", "FS", "GS" };

static const char *status_name(int status)
{
	switch (status) {
	case RUN_HALTED: return "halted";
	case RUN_CUT: return "cut";
	case RUN_TRIPLE_FAULT: return "triple fault";
	default: return "error";
	}
}

static uint32_t gpr_compared(const struct outcome *emu, unsigned i)
{
	return i == 4 && emu->esp_high_unreliable ? 0xffffu : ~0u;
}

static uint32_t flags_compared(const struct outcome *emu)
{
	return FL_COMPARED & ~emu->undefined;
}

/* The bits of the byte at `addr` that are not compared. */
static uint8_t ignored_bits(const struct outcome *emu, uint32_t addr)
{
	if (!emu->frame || addr - emu->frame_addr > 1)
		return 0;
	return (uint8_t)(emu->frame_mask >> (8 * (addr - emu->frame_addr)));
}

static bool byte_differs(const struct outcome *emu, const uint8_t *a, const uint8_t *b, uint32_t addr)
{
	return ((a[addr] ^ b[addr]) & ~ignored_bits(emu, addr)) != 0;
}

static unsigned count_bytes(const struct outcome *emu, const uint8_t *a, const uint8_t *b)
{
	unsigned n = 0;

	/* Whole pages first: almost all are equal. */
	for (uint32_t page = 0; page < RAM_SIZE; page += 4096) {
		if (!memcmp(a + page, b + page, 4096))
			continue;
		for (uint32_t addr = page; addr < page + 4096; addr++)
			n += byte_differs(emu, a, b, addr);
	}
	return n;
}

void compare(const struct outcome *emu, const struct outcome *kvm, struct verdict *v)
{
	const struct cpu_state *a = &emu->final, *b = &kvm->final;

	memset(v, 0, sizeof(*v));
	v->fields |= emu->status != kvm->status ? DIFF_STATUS : 0;
	for (unsigned i = 0; i < 8; i++)
		v->fields |= (a->gpr[i] ^ b->gpr[i]) & gpr_compared(emu, i) ? 1u << i : 0;
	v->fields |= a->eip != b->eip ? DIFF_EIP : 0;
	v->fields |= ((a->eflags ^ b->eflags) & flags_compared(emu)) ? DIFF_EFLAGS : 0;
	for (unsigned i = 0; i < NR_SEGS; i++)
		v->fields |= a->sel[i] != b->sel[i] ? DIFF_SEG << i : 0;
	v->nr_bytes = count_bytes(emu, emu_ram, kvm_ram);
	v->fields |= v->nr_bytes ? DIFF_MEMORY : 0;
	v->mismatch = v->fields != 0;
}

void diff_names(char *out, size_t len, uint32_t fields)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned bit = 0; bit < 18 && n < len; bit++) {
		const char *name = bit < 8 ? gpr_names[bit] : bit == 8 ? "EIP" : bit == 9 ? "EFLAGS"
				   : bit < 16 ? seg_names[bit - 10] : bit == 16 ? "status" : "memory";

		if (fields & (1u << bit))
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", name);
	}
}

void print_state(FILE *f, const char *title, const struct cpu_state *s)
{
	fprintf(f, "  %s:", title);
	for (unsigned i = 0; i < 8; i++)
		fprintf(f, " %s=%08x", gpr_names[i], s->gpr[i]);
	fprintf(f, "\n   ");
	for (unsigned i = 0; i < NR_SEGS; i++)
		fprintf(f, " %s=%04x", seg_names[i], s->sel[i]);
	fprintf(f, " EIP=%08x EFLAGS=%08x\n", s->eip, s->eflags);
}

static void field(FILE *f, const char *name, uint32_t init, uint32_t a, uint32_t b, uint32_t mask)
{
	fprintf(f, "    %-7s %08x  %08x  %08x%s\n", name, init, a, b, ((a ^ b) & mask) ? "  <-- differs" : "");
}

/* EFLAGS' arithmetic bits by name, e.g. "CF ZF". */
static void flag_names(char *out, size_t len, uint32_t flags)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ FL_CF, "CF" }, { FL_PF, "PF" }, { FL_AF, "AF" }, { FL_ZF, "ZF" },
		{ FL_SF, "SF" }, { FL_TF, "TF" }, { FL_IF, "IF" }, { FL_DF, "DF" }, { FL_OF, "OF" },
		{ 0x3000, "IOPL" }, { 0x4000, "NT" }, { 0x20000, "VM" }, { 0x40000, "AC" },
		{ 0x80000, "VIF" }, { 0x100000, "VIP" }, { 0x200000, "ID" },
	};
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]) && n < len; i++)
		if (flags & names[i].bit)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", names[i].name);
	if (!n)
		snprintf(out, len, "none");
}

static void print_memory(FILE *f, const struct outcome *emu)
{
	unsigned shown = 0;

	for (uint32_t addr = 0; addr < RAM_SIZE && shown < 8; addr++) {
		if (!byte_differs(emu, emu_ram, kvm_ram, addr))
			continue;
		fprintf(f, "    [%05x] %02x        %02x        %02x  <-- differs\n", addr, image[addr], emu_ram[addr],
			kvm_ram[addr]);
		shown++;
	}
}

void print_mismatch(FILE *f, const struct test_case *tc, const struct program *p, const struct outcome *emu,
		    const struct outcome *kvm)
{
	const struct cpu_state *init = &tc->init, *a = &emu->final, *b = &kvm->final;
	char undefined[64];

	fprintf(f, "  code (%u bytes, then HLT):\n", p->cut);
	print_code(f, p->code, p->cut + 1, 0);
	print_state(f, "initial", init);
	fprintf(f, "  (the emulator reaches RAM through %s)\n", tc->via_callbacks ? "its callbacks" : "its RAM window");
	fprintf(f, "  final state: emulator %s, KVM %s%s%s\n", status_name(emu->status), status_name(kvm->status),
		kvm->detail[0] ? ": " : "", kvm->detail);
	if (emu->detail[0])
		fprintf(f, "  emulator: %s\n", emu->detail);
	fprintf(f, "    %-7s %-8s  %-8s  %-8s\n", "", "initial", "emulator", "KVM");
	for (unsigned i = 0; i < 8; i++)
		field(f, gpr_names[i], init->gpr[i], a->gpr[i], b->gpr[i], gpr_compared(emu, i));
	field(f, "EIP", init->eip, a->eip, b->eip, ~0u);
	field(f, "EFLAGS", init->eflags, a->eflags, b->eflags, flags_compared(emu));
	if ((a->eflags ^ b->eflags) & flags_compared(emu)) {
		char differ[64];

		flag_names(differ, sizeof(differ), (a->eflags ^ b->eflags) & flags_compared(emu));
		fprintf(f, "    (flags that differ: %s)\n", differ);
	}
	for (unsigned i = 0; i < NR_SEGS; i++)
		field(f, seg_names[i], init->sel[i], a->sel[i], b->sel[i], ~0u);
	flag_names(undefined, sizeof(undefined), emu->undefined);
	fprintf(f, "    (flags undefined at the end, not compared: %s)\n", undefined);
	print_memory(f, emu);
}
