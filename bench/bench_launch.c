/*
 * bench_launch - process launch to guest exit: `minivm IMAGE` against
 * `qemu-system-x86_64 -M microvm -accel kvm` on the same image, in
 * interleaved runs (median wall time from fork to the VMM's exit status).
 * The image exits at once through isa-debug-exit, so both VMMs must end
 * with status 11; any other status stops the benchmark.
 *
 * Usage: bench_launch MINIVM IMAGE [rounds]. Exits 77 without /dev/kvm;
 * without QEMU it says so and times minivm alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPECTED_STATUS 11	/* (5 << 1) | 1, see guests/exit_at_once.asm */
#define QEMU "qemu-system-x86_64"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Run argv with output discarded; the wall time, or exit on a wrong status. */
static double time_launch(char *const argv[])
{
	double t0 = now_ns();
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("bench_launch: fork");
		exit(1);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("bench_launch: waitpid");
		exit(1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXPECTED_STATUS) {
		fprintf(stderr, "bench_launch: %s ended with status %d, not %d; run it by hand to see why\n",
			argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1, EXPECTED_STATUS);
		exit(1);
	}
	return now_ns() - t0;
}

static int have_qemu(void)
{
	char *const argv[] = { QEMU, "--version", NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 21;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	double *t_minivm, *t_qemu, minivm, qemu;
	int qemu_found;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_launch MINIVM IMAGE [rounds]\n");
		return 64;
	}
	if (fd < 0) {
		printf("bench_launch: SKIP, /dev/kvm cannot be opened: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	if (rounds < 3)
		rounds = 3;
	char *const minivm_argv[] = { argv[1], argv[2], NULL };
	char *const qemu_argv[] = {
		QEMU, "-M", "microvm", "-accel", "kvm", "-cpu", "host", "-m", "16M", "-nodefaults",
		"-nographic", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-kernel", argv[2], NULL,
	};

	qemu_found = have_qemu();
	t_minivm = calloc(rounds, sizeof(double));
	t_qemu = calloc(rounds, sizeof(double));
	time_launch(minivm_argv);	/* warm the page cache for both */
	if (qemu_found)
		time_launch(qemu_argv);
	for (unsigned i = 0; i < rounds; i++) {
		if (qemu_found && i % 2)
			t_qemu[i] = time_launch(qemu_argv);
		t_minivm[i] = time_launch(minivm_argv);
		if (qemu_found && !(i % 2))
			t_qemu[i] = time_launch(qemu_argv);
	}
	qsort(t_minivm, rounds, sizeof(double), cmp_double);
	minivm = t_minivm[rounds / 2];
	printf("launch to guest exit (fork to exit status, medians of %u)\n", rounds);
	if (qemu_found) {
		qsort(t_qemu, rounds, sizeof(double), cmp_double);
		qemu = t_qemu[rounds / 2];
		printf("  minivm %8.2f ms   qemu -M microvm %8.2f ms   minivm is %.1fx faster\n", minivm / 1e6,
		       qemu / 1e6, qemu / minivm);
	} else {
		printf("  minivm %8.2f ms   (%s not installed: no comparison; apt-get install qemu-system-x86)\n",
		       minivm / 1e6, QEMU);
	}
	free(t_minivm);
	free(t_qemu);
	return 0;
}
