/* Shared helpers for the Check suites: a VM and VCPU on the mock backend,
 * and scripted exits in one line. */
#ifndef LIBVCPU_TEST_HARNESS_H
#define LIBVCPU_TEST_HARNESS_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "libvcpu/libvcpu.h"

struct fixture {
	struct vm *vm;
	struct vcpu *vcpu;
	void *identity_map;	/* no-ug: the page its identity map is in */
};

#define FIXTURE_IDENTITY_MAP_GPA 0x40000000ull

/* A VM on profile `profile` ("modern", "no-ug") with VCPU 0; fails the
 * test on any error. Without unrestricted guest it also has a page of
 * guest memory at FIXTURE_IDENTITY_MAP_GPA holding the identity map. */
void fixture_init(struct fixture *f, const char *profile, unsigned nr_pcpus);
void fixture_fini(struct fixture *f);

/* Push an exit with basic reason, qualification and instruction length. */
void push_exit(struct vcpu *vcpu, uint32_t reason, uint64_t qual, uint32_t len);
/* Push with register changes applied first: pairs of (reg, value). */
void push_exit_regs(struct vcpu *vcpu, uint32_t reason, uint64_t qual, uint32_t len, unsigned n,
		    const uint64_t *reg_value_pairs);

/* Flat 32-bit protected mode, paging off (CR0 = PE|ET as the guest sees
 * it), CPL 0, RIP 0x1000, IF clear: a state every profile can enter. */
void set_protected_mode(struct vcpu *vcpu);

/* Wake the VCPU (from an earlier HLT), run it, and fail the test with the
 * error's name and detail unless vcpu_run returns 0. */
void run_ok(struct vcpu *vcpu);

uint64_t reg(struct vcpu *vcpu, enum vcpu_reg r);
uint64_t field(struct vcpu *vcpu, uint32_t f);

/* Run one suite; returns the number of failures (for main). */
int run_suite(Suite *s);

#endif
