/*
 * minivm - one host thread per VCPU.
 *
 * Each thread runs its VCPU once with machine_cpu_run() and says how it
 * ended. The calling thread waits for every VCPU to halt for good, for one
 * of them to end the run, or for the timeout. Ending the run stops the
 * VCPUs still inside vcpu_run(): vcpu_request_exit() makes their next entry
 * return VCPU_EINTR, and a signal gets a thread out of the KVM_RUN it is in.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "machine.h"

#define KICK_SIGNAL SIGUSR1

static void on_kick(int sig)
{
	(void)sig;
}

static int install_kick(void)
{
	struct sigaction sa = { .sa_handler = on_kick };

	/* No SA_RESTART: the signal must interrupt the backend's KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	return sigaction(KICK_SIGNAL, &sa, NULL) < 0 ? errno : 0;
}

static void *cpu_thread(void *arg)
{
	struct machine_cpu *cpu = arg;
	struct machine *m = cpu->m;
	int r = machine_cpu_run(cpu);
	bool halted = r == 0 && machine_cpu_halted_for_good(cpu);

	pthread_mutex_lock(&m->lock);
	cpu->result = r;
	cpu->done = true;
	m->nr_done++;
	/* The first VCPU that did not halt for good decides the outcome. */
	if (!halted && !m->ending) {
		m->ending = true;
		m->ended_by = (int)cpu->id;
	}
	pthread_cond_signal(&m->changed);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* With the lock held. */
static void stop_cpus(struct machine *m, unsigned started)
{
	for (unsigned i = 0; i < started; i++) {
		struct machine_cpu *cpu = &m->cpu[i];

		if (cpu->done)
			continue;
		vcpu_request_exit(cpu->vcpu);
		pthread_kill(cpu->thread, KICK_SIGNAL);
	}
}

static struct timespec deadline_after(double seconds)
{
	struct timespec ts;
	long ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)seconds;
	ns = ts.tv_nsec + (long)((seconds - (double)(time_t)seconds) * 1e9);
	ts.tv_sec += ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	return ts;
}

/* With the lock held: until the run ends, all threads finish or time is up. */
static void wait_for_cpus(struct machine *m, unsigned started, double timeout)
{
	struct timespec deadline = deadline_after(timeout);

	while (!m->ending && m->nr_done < started) {
		if (timeout <= 0) {
			pthread_cond_wait(&m->changed, &m->lock);
		} else if (pthread_cond_timedwait(&m->changed, &m->lock, &deadline) == ETIMEDOUT &&
			   !m->ending && m->nr_done < started) {
			m->ending = true;
			m->timed_out = true;
		}
	}
}

int machine_run_threads(struct machine *m, double timeout)
{
	unsigned started = 0;
	int err = install_kick();

	if (err)
		return err;
	/* The threads start under the lock, so their first exits wait until
	 * every one of them exists. */
	pthread_mutex_lock(&m->lock);
	for (; started < m->nr_vcpus; started++) {
		err = pthread_create(&m->cpu[started].thread, NULL, cpu_thread, &m->cpu[started]);
		if (err) {
			m->ending = true;
			break;
		}
	}
	wait_for_cpus(m, started, timeout);
	if (m->ending)
		stop_cpus(m, started);
	pthread_mutex_unlock(&m->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(m->cpu[i].thread, NULL);
	return err;
}
