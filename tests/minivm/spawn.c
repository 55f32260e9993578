/* Running minivm from the tests: fork/exec with both output streams and
 * stdin on pipes, read with poll() so neither pipe can fill and block it. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#define RUN_LIMIT_S 60

const char *minivm_path;
const char *guest_dir;
static char tmp_dir[256];
static long spawn_uid = -1;

void run_as(long uid)
{
	spawn_uid = uid;
}

struct buffer {
	char *data;
	size_t len, cap;
};

static void buffer_add(struct buffer *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = realloc(b->data, b->cap);
		ck_assert_ptr_nonnull(b->data);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child(int in_fd, int out_fd, int err_fd, const char *const *args)
{
	const char *argv[64];
	unsigned n = 0;

	argv[n++] = minivm_path;
	while (args && *args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	dup2(in_fd, 0);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	if (spawn_uid >= 0 && (setgid((gid_t)spawn_uid) < 0 || setuid((uid_t)spawn_uid) < 0)) {
		fprintf(stderr, "setuid %ld: %s\n", spawn_uid, strerror(errno));
		_exit(126);
	}
	execv(minivm_path, (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", minivm_path, strerror(errno));
	_exit(127);
}

/* Feed stdin, drain stdout and stderr until both close. */
static void pump(int in_fd, const char *input, int out_fd, int err_fd, struct buffer *out,
		 struct buffer *err, double deadline, pid_t pid)
{
	size_t in_left = input ? strlen(input) : 0;
	struct pollfd p[3] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 }, { in_fd, POLLOUT, 0 } };
	struct buffer *bufs[2] = { out, err };
	char chunk[4096];

	if (!in_left) {
		close(in_fd);
		p[2].fd = -1;
	}
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (now_s() > deadline) {
			kill(pid, SIGKILL);
			deadline = now_s() + 5;
		}
		if (poll(p, 3, 100) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				buffer_add(bufs[i], chunk, (size_t)n);
			} else {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
		if (p[2].fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(p[2].fd, input, in_left);

			if (n > 0) {
				input += n;
				in_left -= (size_t)n;
			}
			if (n <= 0 || !in_left) {
				close(p[2].fd);
				p[2].fd = -1;
			}
		}
	}
	if (p[2].fd >= 0)
		close(p[2].fd);
}

void run_minivm(struct run_result *r, const char *input, const char *const *args)
{
	int in[2], out[2], err[2], wstatus;
	struct buffer ob = { 0 }, eb = { 0 };
	double start = now_s();
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	buffer_add(&ob, "", 0);
	buffer_add(&eb, "", 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		child(in[0], out[1], err[1], args);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	pump(in[1], input, out[0], err[0], &ob, &eb, start + RUN_LIMIT_S, pid);
	ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
	run_result_free(r);	/* a test may run minivm more than once into r */
	r->seconds = now_s() - start;
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	r->out = ob.data;
	r->out_len = ob.len;
	r->err = eb.data;
	r->err_len = eb.len;
}

void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char *guest(const char *name)
{
	static char path[4][512];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", guest_dir, name);
	return p;
}

unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void tmp_cleanup(void)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	char path[600];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmp_dir);
}

const char *tmp_path(const char *name)
{
	static char path[4][600];
	static unsigned next;
	char *p = path[next++ % 4];

	if (!tmp_dir[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(tmp_dir, sizeof(tmp_dir), "%s/minivm-test-XXXXXX", base ? base : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
		atexit(tmp_cleanup);
	}
	snprintf(p, sizeof(path[0]), "%s/%s", tmp_dir, name);
	return p;
}

const char *write_file(const char *name, const void *data, size_t len)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	data = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return data;
}

int minivm_test_main(int argc, char **argv, Suite *s)
{
	SRunner *sr;
	int failed;

	if (argc != 3) {
		fprintf(stderr, "usage: %s MINIVM GUEST_DIR\n", argv[0]);
		return 2;
	}
	minivm_path = argv[1];
	guest_dir = argv[2];
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
