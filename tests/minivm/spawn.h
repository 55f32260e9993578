/* Running the minivm executable from a test: argv in, status and both
 * output streams out. */
#ifndef MINIVM_TEST_SPAWN_H
#define MINIVM_TEST_SPAWN_H

#include <check.h>
#include <stddef.h>

struct run_result {
	int status;		/* exit status, or 128 + signal if killed */
	char *out, *err;	/* NUL-terminated, malloc'ed */
	size_t out_len, err_len;
	double seconds;		/* wall time */
};

/* The main() of a suite that runs minivm: argv is MINIVM GUEST_DIR, which
 * set minivm_path and guest_dir; then `s` runs. Returns main's status. */
int minivm_test_main(int argc, char **argv, Suite *s);

/* Set once from main(): the minivm executable and the directory holding
 * the test guests. */
extern const char *minivm_path;
extern const char *guest_dir;

/* Run minivm with `args` (NULL-terminated, without argv[0]); `input` is
 * its stdin (NULL: empty, at end of file at once). Kills it after 60 s.
 * Fails the test if it cannot be run. Frees what r held before. */
void run_minivm(struct run_result *r, const char *input, const char *const *args);
void run_result_free(struct run_result *r);

/* The uid (and gid) minivm runs as from now on in this process; -1 (the
 * default) keeps the test's. Root uses it to reach a permission error. */
void run_as(long uid);

/* guest_dir + "/" + name, in a static buffer per call site (not reentrant). */
const char *guest(const char *name);

/* Number of occurrences of `needle` in `hay`. */
unsigned count_of(const char *hay, const char *needle);

/* A fresh temporary directory for files a test builds (removed by the
 * test's process exit; see tmp_path). */
const char *tmp_path(const char *name);
/* Write `len` bytes to a new file; returns its path (tmp_path). */
const char *write_file(const char *name, const void *data, size_t len);
/* Read a whole file (malloc'ed); fails the test if it cannot. */
void *read_file(const char *path, size_t *len);

#define assert_contains(hay, needle)                                                   \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "expected \"%s\" in:\n%s", (needle), \
		      (hay))
#define assert_lacks(hay, needle)                                                      \
	ck_assert_msg(strstr((hay), (needle)) == NULL, "did not expect \"%s\" in:\n%s",   \
		      (needle), (hay))
#define assert_status(r, expected)                                                     \
	ck_assert_msg((r)->status == (expected),                                       \
		      "minivm exited with %d, expected %d\nstdout:\n%s\nstderr:\n%s",    \
		      (r)->status, (expected), (r)->out, (r)->err)

#endif
