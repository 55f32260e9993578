/*
 * minivm - exit trace lines and exit statistics.
 *
 * Qualifications are decoded with exit.h's decoders. Data of an I/O exit
 * comes from the backend's buffer where it carries one (KVM) and from RAX
 * where the guest's registers hold it (VMX hardware, the mock), so a trace
 * line reads the same on every backend.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "trace.h"

static unsigned slot_of(unsigned basic)
{
	return basic < VMX_NR_EXIT_REASONS ? basic : VMX_NR_EXIT_REASONS;
}

void stats_record(struct exit_stats *s, unsigned basic, uint64_t guest_ns, uint64_t handler_ns)
{
	unsigned i = slot_of(basic);

	s->count[i]++;
	s->guest_ns[i] += guest_ns;
	s->handler_ns[i] += handler_ns;
	s->total++;
}

uint64_t stats_count(const struct exit_stats *s, unsigned basic)
{
	return s->count[slot_of(basic)];
}

static const char *slot_name(unsigned slot)
{
	const char *name = slot < VMX_NR_EXIT_REASONS ? vmx_exit_reason_name(slot) : NULL;

	return name ? name : "(not an SDM reason)";
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double us_mean(uint64_t ns, uint64_t n)
{
	return n ? (double)ns / 1e3 / (double)n : 0.0;
}

static void stats_row(FILE *out, const char *name, uint64_t n, uint64_t total, uint64_t guest,
		      uint64_t handler)
{
	fprintf(out, "  %-20s %9" PRIu64 " %6.1f%% %11.3f ms %10.2f us %11.3f ms %10.2f us\n", name, n,
		total ? 100.0 * (double)n / (double)total : 0.0, ms(guest), us_mean(guest, n),
		ms(handler), us_mean(handler, n));
}

void stats_print(const struct exit_stats *s, FILE *out, const char *backend)
{
	uint64_t guest = 0, handler = 0;

	fprintf(out, "minivm: VM exits by reason (backend %s)\n", backend);
	fprintf(out, "  %-20s %9s %7s %14s %13s %14s %13s\n", "reason", "count", "%", "guest total",
		"guest mean", "handler total", "handler mean");
	for (unsigned i = 0; i < STATS_SLOTS; i++) {
		if (!s->count[i])
			continue;
		stats_row(out, slot_name(i), s->count[i], s->total, s->guest_ns[i], s->handler_ns[i]);
		guest += s->guest_ns[i];
		handler += s->handler_ns[i];
	}
	stats_row(out, "total", s->total, s->total, guest, handler);
	fprintf(out, "  (guest: from resuming the guest to its next exit, including the backend's entry\n"
		     "   and exit path; handler: minivm's handling of the exit)\n");
}

void stats_summary(const struct exit_stats *s, FILE *out)
{
	for (unsigned i = 0; i < STATS_SLOTS; i++) {
		const char *desc = i < VMX_NR_EXIT_REASONS ? vmx_exit_reason_description(i) : NULL;

		if (!s->count[i])
			continue;
		fprintf(out, "  %6" PRIu64 " x %-16s (basic reason %2u: %s)\n", s->count[i], slot_name(i),
			i, desc ? desc : "?");
	}
	fprintf(out, "  %6" PRIu64 " exits in all\n", s->total);
}

/* ---- Trace lines -------------------------------------------------------------- */

static uint64_t reg(struct vcpu *vcpu, enum vcpu_reg r)
{
	uint64_t v = 0;

	vcpu_get_reg(vcpu, r, &v);
	return v;
}

void trace_capture(struct vcpu *vcpu, const struct vmx_exit *exit, struct trace_pre *pre)
{
	memset(pre, 0, sizeof(*pre));
	/* The exiting instruction's address, on every backend. */
	pre->rip = reg(vcpu, VCPU_REG_RIP) - (exit->rip_advanced ? exit->instruction_len : 0);
	pre->rax = reg(vcpu, VCPU_REG_RAX);
	pre->rcx = reg(vcpu, VCPU_REG_RCX);
	if (vmx_exit_basic_reason(exit) == VMX_EXIT_REASON_CR_ACCESS)
		pre->gpr = reg(vcpu, (enum vcpu_reg)vmx_decode_cr_access(exit->qualification).gpr);
}

struct line {
	char *buf;
	size_t len, used;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->used >= l->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->used, l->len - l->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->used += (size_t)n;
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* The element an IN read or an OUT wrote, after the handler ran. */
static uint32_t io_value(struct vcpu *vcpu, const struct vmx_exit *exit,
			 const struct vmx_io_access *io, const struct trace_pre *pre)
{
	uint32_t v = 0;

	if (exit->data && exit->data_size == io->size) {
		memcpy(&v, exit->data, io->size);
		return v;
	}
	/* No backend buffer: OUT took RAX as it was, IN left its result there. */
	return (uint32_t)(io->in ? reg(vcpu, VCPU_REG_RAX) : pre->rax) & size_mask(io->size);
}

static void decode_io(struct line *l, struct vcpu *vcpu, const struct vmx_exit *exit,
		      const struct trace_pre *pre, const struct devices *dev, int result)
{
	struct vmx_io_access io = vmx_decode_io(exit->qualification);
	const char *name = dev ? devices_port_name(dev, io.port, io.in) : NULL;

	put(l, " %s%s%s %u byte%s port 0x%x", io.rep ? "rep " : "", io.in ? "in" : "out",
	    io.string ? "s" : "", io.size, io.size > 1 ? "s" : "", io.port);
	put(l, " (%s)", name ? name : "unknown");
	if (io.string) {
		if (exit->data)
			put(l, " x%u", exit->data_count);
		return;
	}
	if (result >= 0)
		put(l, " %s 0x%0*x", io.in ? "->" : "=", 2 * io.size, io_value(vcpu, exit, &io, pre));
}

static void decode_cr(struct line *l, const struct vmx_exit *exit, const struct trace_pre *pre)
{
	struct vmx_cr_access a = vmx_decode_cr_access(exit->qualification);

	switch (a.type) {
	case VMX_CR_ACCESS_MOV_TO_CR:
		put(l, " mov to cr%u from %s = 0x%" PRIx64, a.cr, vcpu_reg_name((enum vcpu_reg)a.gpr),
		    pre->gpr);
		break;
	case VMX_CR_ACCESS_MOV_FROM_CR:
		put(l, " mov from cr%u to %s", a.cr, vcpu_reg_name((enum vcpu_reg)a.gpr));
		break;
	case VMX_CR_ACCESS_CLTS:
		put(l, " clts");
		break;
	default:
		put(l, " lmsw 0x%x", a.lmsw_source);
		break;
	}
}

static void decode_exception(struct line *l, const struct vmx_exit *exit)
{
	struct vmx_intr_info i = vmx_decode_intr_info(exit->intr_info);

	if (!i.valid) {
		put(l, " (no interruption information)");
		return;
	}
	put(l, " vector %u type %u", i.vector, (unsigned)i.type);
	if (i.has_error_code)
		put(l, " error code 0x%x", exit->intr_error_code);
}

static void decode_ept(struct line *l, const struct vmx_exit *exit)
{
	struct vmx_ept_violation v = vmx_decode_ept_violation(exit->qualification);

	put(l, " %s gpa 0x%" PRIx64, v.write ? "write" : v.fetch ? "fetch" : "read",
	    exit->guest_physical_address);
	if (exit->data)
		put(l, " %u bytes", exit->data_size);
	if (v.gla_valid)
		put(l, " (linear 0x%" PRIx64 ")", exit->guest_linear_address);
}

static void decode(struct line *l, struct vcpu *vcpu, const struct vmx_exit *exit,
		   const struct trace_pre *pre, const struct devices *dev, int result)
{
	switch (vmx_exit_basic_reason(exit)) {
	case VMX_EXIT_REASON_IO_INSTRUCTION:
		decode_io(l, vcpu, exit, pre, dev, result);
		break;
	case VMX_EXIT_REASON_CR_ACCESS:
		decode_cr(l, exit, pre);
		break;
	case VMX_EXIT_REASON_CPUID:
		put(l, " leaf 0x%" PRIx64 " subleaf 0x%" PRIx64, pre->rax & 0xffffffff,
		    pre->rcx & 0xffffffff);
		break;
	case VMX_EXIT_REASON_EXCEPTION_NMI:
		decode_exception(l, exit);
		break;
	case VMX_EXIT_REASON_EPT_VIOLATION:
		decode_ept(l, exit);
		break;
	case VMX_EXIT_REASON_HLT:
	case VMX_EXIT_REASON_TRIPLE_FAULT:
		break;
	default:
		if (vmx_exit_is_failed_entry(exit))
			put(l, " (failed entry)");
		put(l, " qualification 0x%" PRIx64, exit->qualification);
		break;
	}
}

void trace_format(char *buf, size_t len, uint64_t nr, struct vcpu *vcpu,
		  const struct vmx_exit *exit, const struct trace_pre *pre,
		  const struct devices *dev, int result)
{
	struct line l = { buf, len, 0 };
	unsigned basic = vmx_exit_basic_reason(exit);
	const char *name = vmx_exit_reason_name(basic);

	if (len)
		buf[0] = '\0';
	put(&l, "exit %" PRIu64 ": ", nr);
	if (name)
		put(&l, "%s", name);
	else
		put(&l, "reason %u", basic);
	decode(&l, vcpu, exit, pre, dev, result);
	if (result < 0)
		put(&l, " -> %s", vcpu_error_name(result));
	put(&l, "; rip 0x%" PRIx64, pre->rip);
}
