/*
 * minivm - --trace (one decoded line per exit) and --stats (counts and time
 * per exit reason, like `perf kvm stat`).
 */
#ifndef MINIVM_TRACE_H
#define MINIVM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "devices.h"
#include "libvcpu/libvcpu.h"

/* One slot per SDM basic reason, and one for anything else. */
#define STATS_SLOTS (VMX_NR_EXIT_REASONS + 1)

struct exit_stats {
	uint64_t count[STATS_SLOTS];
	uint64_t guest_ns[STATS_SLOTS];		/* resume to this exit */
	uint64_t handler_ns[STATS_SLOTS];	/* minivm's handling of it */
	uint64_t total;
};

void stats_record(struct exit_stats *s, unsigned basic_reason, uint64_t guest_ns,
		  uint64_t handler_ns);
uint64_t stats_count(const struct exit_stats *s, unsigned basic_reason);

/* The --stats table. */
void stats_print(const struct exit_stats *s, FILE *out, const char *backend);

/* Exit counts per reason with the SDM's descriptions (the demo's summary). */
void stats_summary(const struct exit_stats *s, FILE *out);

/* Guest state a trace line needs from before the handler ran. */
struct trace_pre {
	uint64_t rip;
	uint64_t rax, rcx;
	uint64_t gpr;			/* CR access: the register moved to CRn */
};

void trace_capture(struct vcpu *vcpu, const struct vmx_exit *exit, struct trace_pre *pre);

/* Format the trace line of exit number `nr` after its handler returned
 * `result`: "exit N: REASON decoded; rip 0x..." (no newline). */
void trace_format(char *buf, size_t len, uint64_t nr, struct vcpu *vcpu,
		  const struct vmx_exit *exit, const struct trace_pre *pre,
		  const struct devices *dev, int result);

#endif
