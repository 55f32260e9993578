/* The diagnostic dump: every supported field by name, registers, booking,
 * as text and as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static struct fixture f;

struct sink {
	char buf[64 * 1024];
	size_t len;
	unsigned lines;
};

static void collect(void *ctx, const char *line)
{
	struct sink *s = ctx;
	int n = snprintf(s->buf + s->len, sizeof(s->buf) - s->len, "%s\n", line);

	ck_assert(n > 0 && (size_t)n < sizeof(s->buf) - s->len);
	s->len += (size_t)n;
	s->lines++;
}

static void setup(void) { fixture_init(&f, "modern", 1); }
static void teardown(void) { fixture_fini(&f); }

START_TEST(text_dump_names_every_supported_field)
{
	static struct sink s;
	static bool is_supported[512];
	unsigned supported = 0;
	uint64_t v;

	/* Find the supported set first: a VMREAD of an unsupported component
	 * changes VM_INSTRUCTION_ERROR, so only then take the dump. */
	for (unsigned i = 0; i < vmcs_field_count(); i++)
		is_supported[i] = vcpu_vmread(f.vcpu, vmcs_field_at(i), &v) == 0;
	s.len = 0;
	ck_assert_int_eq(vcpu_dump(f.vcpu, VCPU_DUMP_TEXT, collect, &s), 0);
	for (unsigned i = 0; i < vmcs_field_count(); i++) {
		uint32_t fld = vmcs_field_at(i);
		char needle[64];

		if (!is_supported[i]) {
			/* Unsupported components are left out. */
			snprintf(needle, sizeof(needle), "%s ", vmcs_field_name(fld));
			ck_assert_ptr_null(strstr(s.buf, needle));
			continue;
		}
		supported++;
		ck_assert_int_eq(vcpu_vmread(f.vcpu, fld, &v), 0);
		snprintf(needle, sizeof(needle), "(0x%04x) 0x%016llx", fld, (unsigned long long)v);
		ck_assert_msg(strstr(s.buf, needle), "%s missing: %s", vmcs_field_name(fld), needle);
	}
	ck_assert_uint_gt(supported, 100);
	ck_assert_ptr_nonnull(strstr(s.buf, "GUEST_CR0"));
	ck_assert_ptr_nonnull(strstr(s.buf, "RAX"));
	ck_assert_ptr_nonnull(strstr(s.buf, "CR0 (guest view)"));
	ck_assert_ptr_nonnull(strstr(s.buf, "state created"));
	ck_assert_ptr_null(strstr(s.buf, "GUEST_IA32_FRED_CONFIG"));
}
END_TEST

START_TEST(json_dump_is_one_balanced_object)
{
	static struct sink s;
	int depth = 0;
	bool in_string = false;

	s.len = 0;
	ck_assert_int_eq(vcpu_dump(f.vcpu, VCPU_DUMP_JSON, collect, &s), 0);
	for (size_t i = 0; i < s.len; i++) {
		char c = s.buf[i];

		if (c == '"')
			in_string = !in_string;
		else if (!in_string && c == '{')
			depth++;
		else if (!in_string && c == '}')
			depth--;
		ck_assert_int_ge(depth, 0);
	}
	ck_assert_int_eq(depth, 0);
	ck_assert(!in_string);
	ck_assert_ptr_nonnull(strstr(s.buf, "\"GUEST_RIP\": \"0xfff0\""));
	ck_assert_ptr_nonnull(strstr(s.buf, "\"RDX\": \"0x600\""));
	ck_assert_ptr_nonnull(strstr(s.buf, "\"backend\": \"mock\""));
	ck_assert_ptr_null(strstr(s.buf, ",,"));
	ck_assert_ptr_null(strstr(s.buf, "{,"));
}
END_TEST

START_TEST(dump_of_a_destroyed_vcpu_says_so)
{
	static struct sink s;

	s.len = 0;
	ck_assert_int_eq(vcpu_destroy(f.vcpu), 0);
	ck_assert_int_eq(vcpu_dump(f.vcpu, VCPU_DUMP_TEXT, collect, &s), 0);
	ck_assert_ptr_nonnull(strstr(s.buf, "destroyed"));
	ck_assert_uint_eq(s.lines, 1);
	ck_assert_int_eq(vcpu_dump(f.vcpu, 7, collect, &s), VCPU_EINVAL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("dump");
	TCase *tc = tcase_create("dump");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_dump_names_every_supported_field);
	tcase_add_test(tc, json_dump_is_one_balanced_object);
	tcase_add_test(tc, dump_of_a_destroyed_vcpu_says_so);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
