/*
 * emu_qemu - QEMU's TCG as a contender of bench_emu (emu_qemu.h).
 *
 * The sector becomes a raw IDE disk image that SeaBIOS boots (it loads it
 * at 0000:7C00); debugcon goes to a second temporary file. Both files live
 * in $TMPDIR (or /tmp) only while one boot runs. QEMU's output is
 * discarded; the time is wall time from fork to the exit status, so it
 * includes QEMU's start-up, which the caller subtracts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu_qemu.h"

#define QEMU "qemu-system-x86_64"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Run argv with stdio on /dev/null; its exit status, or -1. */
static int run_quiet(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

bool qemu_found(void)
{
	char *const argv[] = { QEMU, "--version", NULL };

	return run_quiet(argv) == 0;
}

/* A new temporary file for `what`, open (its name in path); -1 on failure. */
static int temp_file(char *path, size_t size, const char *what)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/bench_emu_%s_XXXXXX", dir && *dir ? dir : "/tmp", what);
	fd = mkstemp(path);
	if (fd < 0)
		perror("bench_emu: mkstemp");
	return fd;
}

int qemu_boot_sector(const uint8_t sector[512], struct qemu_boot *boot)
{
	char disk[256], out[256], drive[300], debugcon[300];
	int disk_fd, out_fd;
	ssize_t n;
	double t0;

	memset(boot, 0, sizeof(*boot));
	if ((disk_fd = temp_file(disk, sizeof(disk), "disk")) < 0)
		return -1;
	if ((out_fd = temp_file(out, sizeof(out), "debugcon")) < 0) {
		close(disk_fd);
		unlink(disk);
		return -1;
	}
	n = write(disk_fd, sector, 512);
	close(disk_fd);
	snprintf(drive, sizeof(drive), "file=%s,format=raw,if=ide", disk);
	snprintf(debugcon, sizeof(debugcon), "file:%s", out);
	char *const argv[] = {
		QEMU, "-M", "pc", "-accel", "tcg", "-m", "2", "-nodefaults", "-display", "none",
		"-no-reboot", "-drive", drive, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-debugcon", debugcon, NULL,
	};

	if (n == 512) {
		t0 = now_ns();
		boot->status = run_quiet(argv);
		boot->ns = now_ns() - t0;
		n = pread(out_fd, boot->out, sizeof(boot->out), 0);
		boot->out_len = n > 0 ? (size_t)n : 0;
	}
	close(out_fd);
	unlink(disk);
	unlink(out);
	if (boot->ns == 0) {
		fprintf(stderr, "bench_emu: could not write %s\n", disk);
		return -1;
	}
	return 0;
}
