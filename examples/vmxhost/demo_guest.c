/*
 * vmxhost: the demo guest on a libvcpu backend (see demo_guest.h). The
 * devices are minivm's in miniature: enough of a 16550 at 0x3F8 for polled
 * output, and the 0xE9 debug console.
 */
#include <string.h>

#include "demo_guest.h"
#include "fmt.h"
#include "host.h"

#define GUEST_LOAD	0x7c00
#define MAX_EXITS	100000	/* the demo takes about 1,200 */

#define COM1		0x3f8
#define UART_LCR	3
#define UART_LSR	5
#define UART_SCR	7
#define LCR_DLAB	0x80
#define LSR_IDLE	0x60	/* transmitter empty: output never waits */
#define DEBUGCON	0xe9

struct demo_devices {
	struct demo_guest_run *run;
	uint8_t lcr, scratch;
};

static void output(struct demo_guest_run *run, char c)
{
	if (run->output_len + 1 < sizeof(run->output))
		run->output[run->output_len++] = c;
	run->output[run->output_len] = '\0';
}

static int demo_port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in,
			uint32_t *value)
{
	struct demo_devices *d = opaque;

	(void)vcpu;
	(void)size;
	if (port == DEBUGCON) {
		if (!in)
			output(d->run, (char)*value);
		return 0;
	}
	if (port < COM1 || port > COM1 + 7)
		return VCPU_ENODEV;
	switch (port - COM1) {
	case 0:
		if (in)
			*value = 0;
		else if (!(d->lcr & LCR_DLAB))
			output(d->run, (char)*value);
		break;
	case UART_LCR:
		if (in)
			*value = d->lcr;
		else
			d->lcr = (uint8_t)*value;
		break;
	case UART_LSR:
		if (in)
			*value = LSR_IDLE;
		break;
	case UART_SCR:
		if (in)
			*value = d->scratch;
		else
			d->scratch = (uint8_t)*value;
		break;
	default:
		if (in)
			*value = 0;
		break;
	}
	return 0;
}

/* Every exit: counted, then the core's default handling. */
static int demo_exit(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct demo_guest_run *run = ((struct demo_devices *)opaque)->run;

	run->exits[vmx_exit_basic_reason(exit) % VMX_NR_EXIT_REASONS]++;
	if (++run->total_exits > MAX_EXITS)
		return VCPU_EINTR;
	return vcpu_default_exit_handler(vcpu, exit);
}

static int failed(struct demo_guest_run *run, int err, const char *what, const char *detail)
{
	run->error = err;
	fmt_snprintf(run->detail, sizeof(run->detail), "%s: %s%s%s", what, vcpu_error_name(err),
		     *detail ? ": " : "", detail);
	return err;
}

static int setup_and_run(struct vm *vm, struct demo_devices *d, void *ram)
{
	struct demo_guest_run *run = d->run;
	struct vcpu *vcpu;
	int r;

	vm_set_callbacks(vm, &(struct vm_callbacks){ .port_io = demo_port_io }, d);
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++)
		vm_set_exit_handler(vm, reason, demo_exit, d);
	r = vm_add_memory(vm, LOW_MEMORY_BASE, LOW_MEMORY_END - LOW_MEMORY_BASE, ram);
	if (r < 0)
		return failed(run, r, "vm_add_memory", vm_last_error());
	r = vcpu_create(vm, 0, &vcpu);
	if (r < 0)
		return failed(run, r, "vcpu_create", vm_last_error());
	/* From the power-on state, as a BIOS hands over a boot sector. */
	if ((r = vcpu_vmwrite(vcpu, VMCS_GUEST_CS_SELECTOR, 0)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_GUEST_CS_BASE, 0)) < 0 ||
	    (r = vcpu_set_reg(vcpu, VCPU_REG_RIP, GUEST_LOAD)) < 0 ||
	    (r = vcpu_set_reg(vcpu, VCPU_REG_RSP, GUEST_LOAD)) < 0 ||
	    (r = vcpu_set_reg(vcpu, VCPU_REG_RDX, 0x80)) < 0)
		return failed(run, r, "setting the boot state", vcpu_error_detail(vcpu));
	r = vcpu_run(vcpu);
	vcpu_get_reg(vcpu, VCPU_REG_RIP, &run->rip);
	if (r < 0)
		return failed(run, r, "vcpu_run", vcpu_error_detail(vcpu));
	if (vmx_exit_basic_reason(vcpu_last_exit(vcpu)) != VMX_EXIT_REASON_HLT)
		return failed(run, VCPU_EUNHANDLED_EXIT, "vcpu_run",
			      "returned on an exit other than HLT");
	return 0;
}

int demo_guest_run(const char *backend, struct demo_guest_run *run)
{
	size_t size = (size_t)(demo_guest_end - demo_guest_start);
	struct demo_devices d = { .run = run };
	struct vm *vm;
	int r;

	memset(run, 0, sizeof(*run));
	uint8_t *ram = host_low_memory_claim();

	if (!ram)
		return failed(run, VCPU_EBUSY, "guest RAM", "the low memory is in use");
	memcpy(ram + GUEST_LOAD - LOW_MEMORY_BASE, demo_guest_start, size);
	r = vm_create(&(struct vm_options){ .backend = backend }, &vm);
	if (r < 0) {
		failed(run, r, "vm_create", vm_last_error());
	} else {
		setup_and_run(vm, &d, ram);
		vm_destroy(vm);
	}
	host_low_memory_release();
	return run->error;
}

void demo_guest_print(const struct demo_guest_run *run)
{
	const char *line = run->output;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		kprintf("  | ");
		console_write(line, n);
		kprintf("\n");
		line += n + (end ? 1 : 0);
	}
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++)
		if (run->exits[reason])
			kprintf("  %6u x %s\n", run->exits[reason], vmx_exit_reason_name(reason));
	kprintf("  %6u exits in all, stopped at RIP %#lx\n", run->total_exits, run->rip);
}
