/* The demo guest's first exits, scripted for the mock backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_guest.h"
#include "demo_script.h"
#include "libvcpu/mock.h"
#include "loader.h"

#define REPLAY_RAM (64u << 10)

/* serial_init in demo.asm: port and AL of each OUT DX, AL. */
static const struct {
	uint16_t port;
	uint8_t value;
} serial_init[DEMO_SERIAL_INIT_EXITS] = {
	{ 0x3f9, 0x00 }, { 0x3fb, 0x80 }, { 0x3f8, 0x01 }, { 0x3f9, 0x00 },
	{ 0x3fb, 0x03 }, { 0x3fa, 0xc7 }, { 0x3fc, 0x0b },
};

/* IN AL, DX / OUT DX, AL: one byte (bits 2:0 = 0), port from DX (bit 6 =
 * 0), the port in bits 31:16; the instruction is one byte long. The guest
 * has DX = port and AL = the byte it is about to write. */
static int push_io(struct vcpu *vcpu, uint16_t port, bool in, uint8_t al)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION,
			  .qualification = ((uint64_t)port << 16) | (in ? 8u : 0u),
			  .instruction_len = 1 },
		.nr_changes = 2,
		.changes = { { true, VCPU_REG_RAX, al }, { true, VCPU_REG_RDX, port } },
	};

	return vcpu_mock_push_exit(vcpu, &e);
}

static int push_script(struct vcpu *vcpu)
{
	static const char banner[] = DEMO_BANNER;
	struct vcpu_mock_exit hlt = {
		.exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 },
	};
	int r = 0;

	for (unsigned i = 0; i < DEMO_SERIAL_INIT_EXITS && !r; i++)
		r = push_io(vcpu, serial_init[i].port, false, serial_init[i].value);
	/* putc: wait for LSR.THRE, then write THR. */
	for (size_t i = 0; i + 1 < sizeof(banner) && !r; i++) {
		r = push_io(vcpu, 0x3fd, true, (uint8_t)banner[i]);
		if (!r)
			r = push_io(vcpu, 0x3f8, false, (uint8_t)banner[i]);
	}
	return r ? r : vcpu_mock_push_exit(vcpu, &hlt);
}

static const char *load_demo(struct machine *m)
{
	static char err[512];
	struct load_options o = { .ram_size = REPLAY_RAM };
	struct image img;

	image_from_memory(&img, "demo", minivm_demo_guest, minivm_demo_guest_size);
	if (image_parse(&img, &o, err, sizeof(err)) ||
	    image_load(&img, &o, m->vm, m->vcpu, err, sizeof(err)))
		return err;
	return NULL;
}

const char *demo_replay_run(struct demo_replay *out)
{
	static char err[512];
	struct machine m = { 0 };
	FILE *console, *trace, *log;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	console = open_memstream(&out->console, &out->console_len);
	trace = open_memstream(&out->trace, &out->trace_len);
	log = open_memstream(&out->log, &out->log_len);
	if (!console || !trace || !log)
		return "open_memstream failed";
	devices_init(&m.dev, console, -1, log);
	m.trace = trace;
	if (machine_create(&m, "mock", NULL, REPLAY_RAM, 1, err, sizeof(err)) < 0)
		why = err;
	else if (machine_attach(&m, false) < 0)
		why = "machine_attach failed";
	else if ((why = load_demo(&m)) == NULL && push_script(m.vcpu) < 0)
		why = vcpu_error_detail(m.vcpu);
	if (!why) {
		out->result = machine_run(&m);
		out->stop = m.cpu[0].stop;
		out->pending = vcpu_mock_pending(m.vcpu);
		out->io_exits = stats_count(&m.stats, VMX_EXIT_REASON_IO_INSTRUCTION);
		out->hlt_exits = stats_count(&m.stats, VMX_EXIT_REASON_HLT);
		out->total_exits = m.stats.total;
	}
	if (why && why != err) {
		snprintf(err, sizeof(err), "%s", why);
		why = err;
	}
	machine_destroy(&m);
	fclose(console);
	fclose(trace);
	fclose(log);
	return why;
}

void demo_replay_free(struct demo_replay *r)
{
	free(r->console);
	free(r->trace);
	free(r->log);
	memset(r, 0, sizeof(*r));
}
