/* The VCPU scheduler on the mock: run queues, migration on pick, work
 * stealing, the pick-next hook, pause-loop exiting and both yield policies. */
#include "harness.h"

#define NR_VCPUS 4

static struct vm *vm;
static struct vcpu *v[NR_VCPUS];
static struct sched *s;

/* NR_VCPUS VCPUs of a "modern" VM with two logical CPUs, in protected mode,
 * under a scheduler with `policy`; VCPU i queued on CPU i % 2. */
static void setup_policy(enum sched_yield_policy policy)
{
	struct vm_options opts = { .backend = "mock", .nr_pcpus = 2 };

	ck_assert_int_eq(vm_create(&opts, &vm), 0);
	ck_assert_int_eq(sched_create(vm, &(struct sched_options){ .yield_policy = policy, .seed = 7 }, &s), 0);
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		ck_assert_int_eq(vcpu_create(vm, i, &v[i]), 0);
		set_protected_mode(v[i]);
		ck_assert_int_eq(sched_add(s, v[i], i % 2), 0);
	}
}

static void teardown(void)
{
	sched_destroy(s);
	vm_destroy(vm);
}

static struct vcpu *pick(unsigned pcpu)
{
	struct vcpu *out;
	int r = sched_pick_next(s, pcpu, &out);

	ck_assert_msg(r == 0, "sched_pick_next(%u): %s", pcpu, vcpu_error_name(r));
	return out;
}

static enum vcpu_state state_of(struct vcpu *vcpu)
{
	struct vcpu_booking b;

	vcpu_get_booking(vcpu, &b);
	return b.state;
}

/* Run `vcpu` through one scripted exit that ends the run (HLT). */
static void run_to_hlt(struct vcpu *vcpu)
{
	push_exit(vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(vcpu), 0);
}

START_TEST(queues_are_first_come_first_served_per_cpu)
{
	setup_policy(SCHED_YIELD_NONE);
	ck_assert_ptr_eq(pick(0), v[0]);
	ck_assert_ptr_eq(pick(1), v[1]);
	ck_assert_int_eq(sched_put(s, v[0]), 0);
	/* v[0] went behind v[2]. */
	ck_assert_ptr_eq(pick(0), v[2]);
	ck_assert_ptr_eq(pick(0), v[0]);
	teardown();
}
END_TEST

START_TEST(an_idle_cpu_steals_and_the_vcpu_migrates_with_vmclear_and_vmptrld)
{
	struct vcpu_booking b;
	struct sched_stats st;
	uint64_t hpa;

	setup_policy(SCHED_YIELD_NONE);
	/* Run v[0] once on CPU 0, so it is launched there. */
	ck_assert_ptr_eq(pick(0), v[0]);
	run_to_hlt(v[0]);
	ck_assert_int_eq(sched_put(s, v[0]), 0);
	ck_assert_int_eq(sched_wake(s, v[0]), 0);
	vcpu_get_booking(v[0], &b);
	ck_assert(b.launched);
	/* CPU 1 empties its queue, then takes from CPU 0's. */
	ck_assert_ptr_eq(pick(1), v[1]);
	ck_assert_ptr_eq(pick(1), v[3]);
	ck_assert_ptr_eq(pick(1), v[2]);
	ck_assert_ptr_eq(pick(1), v[0]);
	vcpu_get_booking(v[0], &b);
	ck_assert_int_eq(b.pcpu, 1);
	ck_assert(!b.launched);
	ck_assert_uint_eq(b.migrations, 1);
	sched_get_stats(s, &st);
	/* v[2] and v[0], both loaded on CPU 0 before. */
	ck_assert_uint_eq(st.steals, 2);
	ck_assert_uint_eq(st.migrations, 2);
	/* The SDM's rule, enforced by the mock: a VMRESUME now fails with
	 * error 5 ("VMRESUME with non-launched VMCS"); the core launches. */
	hpa = vcpu_mock_vmcs_hpa(v[0]);
	ck_assert_int_eq(vm_mock_vmptrld(vm, 1, hpa), 0);
	ck_assert_int_eq(vm_mock_vmenter(vm, 1, false, &(struct vmx_entry_failure){ 0 }), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(vm, 1), 5);
	run_to_hlt(v[0]);
	vcpu_get_booking(v[0], &b);
	ck_assert(b.launched);
	teardown();
}
END_TEST

START_TEST(with_no_steal_an_empty_queue_is_idle)
{
	struct vm_options opts = { .backend = "mock", .nr_pcpus = 2 };
	struct vcpu *out = v[0];

	ck_assert_int_eq(vm_create(&opts, &vm), 0);
	ck_assert_int_eq(sched_create(vm, &(struct sched_options){ .no_steal = true }, &s), 0);
	ck_assert_int_eq(vcpu_create(vm, 0, &v[0]), 0);
	ck_assert_int_eq(sched_add(s, v[0], 0), 0);
	ck_assert_int_eq(sched_pick_next(s, 1, &out), VCPU_EAGAIN);
	ck_assert_ptr_null(out);
	teardown();
}
END_TEST

START_TEST(a_blocked_vcpu_waits_off_the_queue_until_woken)
{
	struct vcpu *queue[NR_VCPUS];

	setup_policy(SCHED_YIELD_NONE);
	ck_assert_ptr_eq(pick(0), v[0]);
	run_to_hlt(v[0]);
	ck_assert_int_eq(state_of(v[0]), VCPU_STATE_BLOCKED);
	ck_assert_int_eq(sched_put(s, v[0]), 0);
	ck_assert_uint_eq(sched_queue(s, 0, queue, NR_VCPUS), 1);
	ck_assert_ptr_eq(queue[0], v[2]);
	ck_assert_int_eq(sched_wake(s, v[0]), 0);
	ck_assert_uint_eq(sched_queue(s, 0, queue, NR_VCPUS), 2);
	ck_assert_ptr_eq(queue[1], v[0]);
	teardown();
}
END_TEST

static int pick_last(void *opaque, unsigned pcpu, struct vcpu *const *queue, unsigned n)
{
	(void)opaque;
	(void)queue;
	return pcpu == 0 ? (int)n - 1 : -1;
}

START_TEST(the_embedders_pick_next_hook_decides)
{
	struct vm_options opts = { .backend = "mock", .nr_pcpus = 2 };
	struct vcpu *out;

	ck_assert_int_eq(vm_create(&opts, &vm), 0);
	ck_assert_int_eq(sched_create(vm, &(struct sched_options){ .pick_next = pick_last }, &s), 0);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(vcpu_create(vm, i, &v[i]), 0);
		ck_assert_int_eq(sched_add(s, v[i], 0), 0);
	}
	ck_assert_ptr_eq(pick(0), v[2]);
	/* The hook is asked about a CPU's own queue only: CPU 1's is empty,
	 * so it steals; once v[0] is queued on CPU 1, the hook's -1 idles it. */
	ck_assert_ptr_eq(pick(1), v[0]);
	ck_assert_int_eq(sched_put(s, v[0]), 0);	/* now queued on CPU 1 */
	ck_assert_int_eq(sched_pick_next(s, 1, &out), VCPU_EAGAIN);
	teardown();
}
END_TEST

START_TEST(bad_calls_are_refused_by_name)
{
	struct sched *second;
	struct vcpu *out;

	setup_policy(SCHED_YIELD_NONE);
	ck_assert_int_eq(sched_create(vm, NULL, &second), VCPU_EEXIST);
	ck_assert_int_eq(sched_add(s, v[0], 0), VCPU_EEXIST);
	ck_assert_int_eq(sched_pick_next(s, 2, &out), VCPU_EINVAL);
	ck_assert_int_eq(sched_put(s, v[1]), VCPU_ESTATE);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(v[1]), "not picked"));
	ck_assert_ptr_eq(pick(0), v[0]);
	ck_assert_int_eq(sched_remove(s, v[0]), VCPU_EBUSY);
	ck_assert_str_eq(sched_yield_policy_name(SCHED_YIELD_PV_HINT), "pv-hint");
	teardown();
}
END_TEST

START_TEST(pause_loop_exiting_is_set_in_the_vmcs_where_the_cpu_has_it)
{
	struct fixture f;

	fixture_init(&f, "modern", 1);
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(f.vcpu, 128, 4096), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_PLE_GAP), 128);
	ck_assert_uint_eq(field(f.vcpu, VMCS_PLE_WINDOW), 4096);
	ck_assert(field(f.vcpu, VMCS_SECONDARY_VM_EXEC_CONTROL) & VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING);
	ck_assert(field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	ck_assert_int_eq(vcpu_check_entry(f.vcpu, &(struct vmx_entry_failure){ 0 }), 0);
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(f.vcpu, 128, 0), 0);
	ck_assert(!(field(f.vcpu, VMCS_SECONDARY_VM_EXEC_CONTROL) & VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING));
	fixture_fini(&f);

	fixture_init(&f, "no-ug", 1);
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(f.vcpu, 128, 4096), VCPU_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "allowed-1 bit 10"));
	fixture_fini(&f);
}
END_TEST

START_TEST(without_a_scheduler_a_pause_exit_returns_to_the_caller)
{
	struct fixture f;
	struct vcpu_booking b;

	fixture_init(&f, "modern", 1);
	set_protected_mode(f.vcpu);
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(f.vcpu, 128, 4096), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	vcpu_get_booking(f.vcpu, &b);
	ck_assert_uint_eq(b.pause_exits, 1);
	ck_assert_int_eq(b.state, VCPU_STATE_RUNNABLE);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1002);
	fixture_fini(&f);
}
END_TEST

/* A picked VCPU spins with pause-loop exiting on and takes the exit:
 * whatever it has scripted before, then the PAUSE exit. */
static int pause_loop_exit(struct vcpu *vcpu)
{
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(vcpu, 128, 4096), 0);
	push_exit(vcpu, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
	return vcpu_run(vcpu);
}

/* v[0] picked on CPU 0 spins and takes a pause-loop exit. */
static int pause_exit_of_v0(void)
{
	ck_assert_ptr_eq(pick(0), v[0]);
	return pause_loop_exit(v[0]);
}

START_TEST(no_yield_policy_resumes_the_spinner)
{
	struct vcpu_booking b;

	setup_policy(SCHED_YIELD_NONE);
	push_exit(v[0], VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
	ck_assert_ptr_eq(pick(0), v[0]);
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(v[0], 128, 4096), 0);
	push_exit(v[0], VMX_EXIT_REASON_HLT, 0, 1);
	/* Both exits in one run: the PAUSE exit resumed the guest. */
	ck_assert_int_eq(vcpu_run(v[0]), 0);
	vcpu_get_booking(v[0], &b);
	ck_assert_uint_eq(b.pause_exits, 1);
	ck_assert_uint_eq(b.yields, 0);
	ck_assert_int_eq(b.state, VCPU_STATE_BLOCKED);
	teardown();
}
END_TEST

START_TEST(random_policy_yields_to_a_preempted_vcpu_and_it_runs_next)
{
	struct sched_stats st;
	struct vcpu *next;

	setup_policy(SCHED_YIELD_RANDOM);
	ck_assert_int_eq(pause_exit_of_v0(), 0);
	ck_assert_int_eq(state_of(v[0]), VCPU_STATE_YIELDED);
	ck_assert_int_eq(sched_put(s, v[0]), 0);
	next = pick(0);
	/* One of the waiting VCPUs, not the one that yielded. */
	ck_assert(next == v[1] || next == v[2] || next == v[3]);
	sched_get_stats(s, &st);
	ck_assert_uint_eq(st.pause_exits, 1);
	ck_assert_uint_eq(st.yields, 1);
	teardown();
}
END_TEST

START_TEST(random_policy_is_reproducible_from_its_seed)
{
	unsigned seen[2][16], distinct = 0;

	for (unsigned round = 0; round < 2; round++) {
		struct vcpu *cur;

		setup_policy(SCHED_YIELD_RANDOM);
		cur = pick(0);
		for (unsigned i = 0; i < 16; i++) {
			ck_assert_int_eq(pause_loop_exit(cur), 0);
			ck_assert_int_eq(state_of(cur), VCPU_STATE_YIELDED);
			ck_assert_int_eq(sched_put(s, cur), 0);
			cur = pick(0);
			seen[round][i] = vcpu_id(cur);
		}
		teardown();
	}
	for (unsigned i = 0; i < 16; i++) {
		ck_assert_uint_eq(seen[1][i], seen[0][i]);
		distinct |= 1u << seen[0][i];
	}
	/* Random, not round robin in disguise: all three others were chosen. */
	ck_assert_uint_ge(__builtin_popcount(distinct), 3);
}
END_TEST

/* The guest names the holder: VMCALL EAX = SCHED_HC_LOCK_HOLDER, EBX = id. */
static void hint(struct vcpu *vcpu, uint64_t holder)
{
	const uint64_t regs[] = { VCPU_REG_RAX, SCHED_HC_LOCK_HOLDER, VCPU_REG_RBX, holder };

	push_exit_regs(vcpu, VMX_EXIT_REASON_VMCALL, 0, 3, 2, regs);
}

START_TEST(pv_hint_yields_to_the_named_holder_when_it_is_preempted)
{
	struct sched_stats st;

	setup_policy(SCHED_YIELD_PV_HINT);
	ck_assert_ptr_eq(pick(0), v[0]);
	hint(v[0], 3);
	ck_assert_int_eq(pause_loop_exit(v[0]), 0);
	ck_assert_uint_eq(reg(v[0], VCPU_REG_RAX), 0);
	ck_assert_int_eq(state_of(v[0]), VCPU_STATE_YIELDED);
	ck_assert_int_eq(sched_put(s, v[0]), 0);
	/* v[3] was queued on CPU 1: it is taken from there. */
	ck_assert_ptr_eq(pick(0), v[3]);
	sched_get_stats(s, &st);
	ck_assert_uint_eq(st.hints, 1);
	ck_assert_uint_eq(st.yields, 1);
	teardown();
}
END_TEST

/* A directed yield across queues must not pile VCPUs onto one CPU: the
 * yielder takes the target's place, and both CPUs keep sharing fairly. */
START_TEST(directed_yields_keep_the_queues_balanced)
{
	struct vcpu *queue[NR_VCPUS], *cur[2];
	uint64_t runs[NR_VCPUS] = { 0 };

	setup_policy(SCHED_YIELD_PV_HINT);
	cur[0] = pick(0);
	cur[1] = pick(1);
	hint(cur[0], 3);
	ck_assert_int_eq(pause_loop_exit(cur[0]), 0);
	ck_assert_int_eq(state_of(cur[0]), VCPU_STATE_YIELDED);
	ck_assert_int_eq(sched_put(s, cur[0]), 0);
	cur[0] = pick(0);
	ck_assert_ptr_eq(cur[0], v[3]);
	ck_assert_uint_eq(sched_queue(s, 0, queue, NR_VCPUS), 1);
	ck_assert_uint_eq(sched_queue(s, 1, queue, NR_VCPUS), 1);
	for (unsigned round = 0; round < 1200; round++) {
		for (unsigned p = 0; p < 2; p++) {
			ck_assert_int_eq(sched_put(s, cur[p]), 0);
			cur[p] = pick(p);
			runs[vcpu_id(cur[p])]++;
		}
	}
	for (unsigned i = 0; i < NR_VCPUS; i++)
		ck_assert_msg(runs[i] == 600, "VCPU %u ran %llu slices of 2400", i,
			      (unsigned long long)runs[i]);
	teardown();
}
END_TEST

START_TEST(pv_hint_does_not_yield_to_a_holder_that_is_running)
{
	setup_policy(SCHED_YIELD_PV_HINT);
	ck_assert_ptr_eq(pick(1), v[1]);	/* the holder runs on CPU 1 */
	ck_assert_ptr_eq(pick(0), v[0]);
	hint(v[0], 1);
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(v[0], 128, 4096), 0);
	push_exit(v[0], VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
	push_exit(v[0], VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(v[0]), 0);
	ck_assert_int_eq(state_of(v[0]), VCPU_STATE_BLOCKED);
	teardown();
}
END_TEST

START_TEST(pv_hint_naming_no_vcpu_answers_minus_one)
{
	setup_policy(SCHED_YIELD_PV_HINT);
	ck_assert_ptr_eq(pick(0), v[0]);
	hint(v[0], 200);
	push_exit(v[0], VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(v[0]), 0);
	ck_assert_uint_eq(reg(v[0], VCPU_REG_RAX), ~0ull);
	teardown();
}
END_TEST

int main(void)
{
	Suite *su = suite_create("sched");
	TCase *tc = tcase_create("sched");

	tcase_add_test(tc, queues_are_first_come_first_served_per_cpu);
	tcase_add_test(tc, an_idle_cpu_steals_and_the_vcpu_migrates_with_vmclear_and_vmptrld);
	tcase_add_test(tc, with_no_steal_an_empty_queue_is_idle);
	tcase_add_test(tc, a_blocked_vcpu_waits_off_the_queue_until_woken);
	tcase_add_test(tc, the_embedders_pick_next_hook_decides);
	tcase_add_test(tc, bad_calls_are_refused_by_name);
	tcase_add_test(tc, pause_loop_exiting_is_set_in_the_vmcs_where_the_cpu_has_it);
	tcase_add_test(tc, without_a_scheduler_a_pause_exit_returns_to_the_caller);
	tcase_add_test(tc, no_yield_policy_resumes_the_spinner);
	tcase_add_test(tc, random_policy_yields_to_a_preempted_vcpu_and_it_runs_next);
	tcase_add_test(tc, random_policy_is_reproducible_from_its_seed);
	tcase_add_test(tc, pv_hint_yields_to_the_named_holder_when_it_is_preempted);
	tcase_add_test(tc, directed_yields_keep_the_queues_balanced);
	tcase_add_test(tc, pv_hint_does_not_yield_to_a_holder_that_is_running);
	tcase_add_test(tc, pv_hint_naming_no_vcpu_answers_minus_one);
	suite_add_tcase(su, tc);
	return run_suite(su);
}
