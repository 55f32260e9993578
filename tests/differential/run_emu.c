/*
 * emu-diff - a test case in the emulator, one emu_step at a time, keeping
 * the set of flags left undefined so far (flags_defined.c).
 *
 * Undefined flag values must not reach anything compared other than
 * FLAGS itself. Two ways they could:
 *  - an instruction reads them (Jcc, SETcc, ADC, LAHF, PUSHF, ...): its
 *    result, or the path taken, would depend on them. The run is cut
 *    there: a HLT put in place of that instruction, and run again (the
 *    instructions before it take the same path, so nothing else moves).
 *  - an exception or INT pushes FLAGS: the test case ends at the handler,
 *    so nothing reads the image again. Its undefined bits are masked when
 *    memory is compared (outcome.frame_*).
 * The same cut serves for an instruction with an undefined result (SHLD
 * or SHRD of 16 bits by more than 16, BSWAP of 16 bits), one the
 * emulator does not implement, and one KVM is known to get wrong
 * (reference_limits.c): the instructions before it are still compared.
 */
#include <string.h>

#include <capstone/capstone.h>

#include "libvcpu/emulate.h"

#include "diff.h"

#define MAX_STEPS 4096

/* Two emulators on the same RAM: one reaches it as its RAM window, the
 * other only through the memory callbacks. */
static struct emu *emu, *with_window, *with_callbacks;
static uint8_t *ram;

static int mem_read(void *opaque, uint64_t phys, void *buf, unsigned len)
{
	(void)opaque;
	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = phys + i < RAM_SIZE ? ram[phys + i] : 0xff;
	return 0;
}

static int mem_write(void *opaque, uint64_t phys, const void *buf, unsigned len)
{
	(void)opaque;
	for (unsigned i = 0; i < len; i++)
		if (phys + i < RAM_SIZE)
			ram[phys + i] = ((const uint8_t *)buf)[i];
	return 0;
}

static const struct emu_ops memory_ops = { .read = mem_read, .write = mem_write };

int emu_runner_init(uint8_t *guest_ram)
{
	struct emu_config window = { .ram = guest_ram, .ram_size = RAM_SIZE };
	struct emu_config callbacks = { .ops = &memory_ops };
	int r = emu_create(&window, &with_window);

	ram = guest_ram;
	return r < 0 ? r : emu_create(&callbacks, &with_callbacks);
}

void emu_runner_fini(void)
{
	emu_destroy(with_window);
	emu_destroy(with_callbacks);
}

static uint16_t selector(unsigned seg)
{
	uint64_t v = 0;

	emu_get_field(emu, VMCS_GUEST_ES_SELECTOR + 2 * seg, &v);
	return (uint16_t)v;
}

static void set_state(const struct cpu_state *s)
{
	for (unsigned i = 0; i < 8; i++)
		emu_set_reg(emu, (enum vcpu_reg)(VCPU_REG_RAX + i), s->gpr[i]);
	emu_set_reg(emu, VCPU_REG_RIP, s->eip);
	emu_set_reg(emu, VCPU_REG_RFLAGS, s->eflags);
	for (unsigned seg = 0; seg < NR_SEGS; seg++)
		emu_load_real_segment(emu, seg, s->sel[seg]);
	emu_set_field(emu, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	emu_set_intercepts(emu, 0, 0);
	emu_flush_code(emu);
}

static void get_state(struct cpu_state *s)
{
	for (unsigned i = 0; i < 8; i++)
		s->gpr[i] = (uint32_t)emu_get_reg(emu, (enum vcpu_reg)(VCPU_REG_RAX + i));
	s->eip = (uint32_t)emu_get_reg(emu, VCPU_REG_RIP);
	s->eflags = (uint32_t)emu_get_reg(emu, VCPU_REG_RFLAGS);
	for (unsigned seg = 0; seg < NR_SEGS; seg++)
		s->sel[seg] = selector(seg);
}

static uint16_t ram_word(uint32_t addr)
{
	return (uint16_t)(ram[addr % RAM_SIZE] | ram[(addr + 1) % RAM_SIZE] << 8);
}

/* The generated instruction at CS:EIP, or NULL (the handler, a HLT). */
static const struct insn_facts *current(const struct program *p, uint32_t *offset)
{
	uint32_t eip = (uint32_t)emu_get_reg(emu, VCPU_REG_RIP);

	*offset = eip;
	if (selector(S_CS) != CODE_SEGMENT || eip >= p->cut || p->insn_at[eip] < 0)
		return NULL;
	return &p->facts[p->insn_at[eip]];
}

static void cut(struct outcome *out, uint32_t offset, enum cut_reason why, const struct insn_facts *f)
{
	out->status = RUN_CUT;
	out->cut_at = offset;
	out->cut_reason = why;
	out->cut_id = f->id;
}

/* An exception or INT reached the handler: note where its FLAGS image is,
 * and say whether it was a fault of the instruction at `offset` (the
 * frame points back at it) rather than a trap after it. */
static bool note_frame(struct outcome *out, uint32_t offset)
{
	uint32_t ss = (uint32_t)selector(S_SS) << 4;
	uint32_t sp = (uint32_t)emu_get_reg(emu, VCPU_REG_RSP) & 0xffff;

	out->frame = true;
	out->frame_addr = ss + ((sp + 4) & 0xffff);
	return ram_word(ss + sp) == offset && ram_word(ss + ((sp + 2) & 0xffff)) == CODE_SEGMENT;
}

enum step { STEP_ON, STEP_OVER };

/* One step of a generated instruction; STEP_OVER with out->status set
 * when the run ends here. */
static enum step step_generated(const struct insn_facts *f, uint32_t offset, struct outcome *out)
{
	uint32_t ecx = (uint32_t)emu_get_reg(emu, VCPU_REG_RCX), completed, faulted, esp;
	uint32_t esp_before = (uint32_t)emu_get_reg(emu, VCPU_REG_RSP);
	uint32_t eflags_before = (uint32_t)emu_get_reg(emu, VCPU_REG_RFLAGS);
	const char *wrong = kvm_wrong_for(f, eflags_before, esp_before);
	struct flag_effect fx;
	struct emu_stop stop;
	int r;

	flag_effect(f, ecx, &fx);
	if (fx.read & out->undefined) {
		cut(out, offset, CUT_UNDEFINED_FLAGS, f);
		return STEP_OVER;
	}
	if (fx.result_undefined) {
		cut(out, offset, CUT_UNDEFINED_RESULT, f);
		return STEP_OVER;
	}
	if (wrong) {
		cut(out, offset, CUT_NO_REFERENCE, f);
		snprintf(out->detail, sizeof(out->detail), "%s", wrong);
		return STEP_OVER;
	}
	r = emu_step(emu, &stop);
	if (r == VCPU_EUNIMPLEMENTED) {
		cut(out, offset, CUT_UNIMPLEMENTED, f);
		snprintf(out->detail, sizeof(out->detail), "%s", emu_error_detail(emu));
		return STEP_OVER;
	}
	if (r < 0) {
		out->status = RUN_ERROR;
		snprintf(out->detail, sizeof(out->detail), "emu_step: %s: %s", vcpu_error_name(r),
			 emu_error_detail(emu));
		return STEP_OVER;
	}
	if (out->steps < sizeof(out->executed) / sizeof(out->executed[0]))
		out->executed[out->steps] = f->id;
	out->steps++;
	if (stop.reason == EMU_STOP_TRIPLE_FAULT) {
		esp = (uint32_t)emu_get_reg(emu, VCPU_REG_RSP);
		/* The exception came from the instruction (SP as before it) or
		 * from a trap after it. */
		if (kvm_wrong_shutdown(esp_before) || kvm_wrong_shutdown(esp)) {
			cut(out, offset, CUT_NO_REFERENCE, f);
			snprintf(out->detail, sizeof(out->detail), "shutdown: KVM delivers past the stack's limit");
		} else {
			out->status = RUN_TRIPLE_FAULT;
		}
		return STEP_OVER;
	}
	completed = (out->undefined & ~fx.defined) | fx.undefined | kvm_wrong_flags(f);
	faulted = out->undefined | fx.undefined_on_fault;
	if (selector(S_CS) == 0 && emu_get_reg(emu, VCPU_REG_RIP) == HANDLER) {
		esp = (uint32_t)emu_get_reg(emu, VCPU_REG_RSP);
		faulted |= kvm_wrong_flags_after_fault(f, ecx, (uint32_t)emu_get_reg(emu, VCPU_REG_RCX));
		out->undefined = note_frame(out, offset) ? faulted : completed;
		out->frame_mask = (uint16_t)out->undefined;
		out->esp_high_unreliable = kvm_wrong_esp_high(f, eflags_before, esp);
	} else {
		out->undefined = completed;
	}
	return STEP_ON;
}

void emu_runner_run(const struct program *p, const struct cpu_state *init, bool via_callbacks,
		    struct outcome *out)
{
	unsigned n;

	emu = via_callbacks ? with_callbacks : with_window;
	memset(out, 0, sizeof(*out));
	memcpy(ram + CODE_BASE, p->code, p->len);
	set_state(init);
	for (n = 0; n < MAX_STEPS; n++) {
		uint32_t offset;
		const struct insn_facts *f = current(p, &offset);
		struct emu_stop stop;
		int r;

		if (f) {
			if (step_generated(f, offset, out) == STEP_OVER)
				break;
			continue;
		}
		/* The final HLT, a cut's, or the handler's. */
		r = emu_step(emu, &stop);
		if (r < 0) {
			out->status = RUN_ERROR;
			snprintf(out->detail, sizeof(out->detail), "emu_step at %04x:%04x: %s: %s", selector(S_CS),
				 offset, vcpu_error_name(r), emu_error_detail(emu));
			break;
		}
		if (stop.reason == EMU_STOP_TRIPLE_FAULT || stop.reason == EMU_STOP_HLT) {
			out->status = stop.reason == EMU_STOP_HLT ? RUN_HALTED : RUN_TRIPLE_FAULT;
			break;
		}
	}
	if (n == MAX_STEPS) {
		out->status = RUN_ERROR;
		snprintf(out->detail, sizeof(out->detail), "no HLT after %u steps", MAX_STEPS);
	}
	get_state(&out->final);
}
