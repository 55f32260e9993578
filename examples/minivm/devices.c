/*
 * minivm - COM1, the debug console, the exit port and the power-off port.
 *
 * The UART is the part of a 16550A a polling driver touches (register
 * offsets from COM1_BASE; DLAB is LCR bit 7):
 *
 *   +0  read: RBR (DLAB 0) / DLL      write: THR (DLAB 0) / DLL
 *   +1  IER (DLAB 0) / DLM            stored; no interrupts are raised
 *   +2  read: IIR = "none pending"    write: FCR (stored: IIR shows FIFOs on)
 *   +3  LCR   +4 MCR   +7 SCR         stored and read back
 *   +5  LSR: THRE and TEMT always set (output never waits), DR while input
 *       is buffered
 *   +6  MSR: CTS, DSR and DCD asserted; in loopback mode (MCR bit 4) the
 *       MCR outputs instead, and THR writes come back on RBR
 *
 * Input is read from a non-blocking poll of the input fd when the guest
 * looks at LSR or RBR with nothing buffered; end of file stops input.
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"

#define UART_LCR_DLAB	0x80
#define UART_MCR_LOOP	0x10
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_IIR_NONE	0x01
#define UART_IIR_FIFO	0xc0
#define UART_MSR_IDLE	0xb0	/* DCD, DSR, CTS */
#define PM1_SLP_EN	(1u << 13)

void devices_init(struct devices *d, FILE *console, int in_fd, FILE *log)
{
	memset(d, 0, sizeof(*d));
	d->console = console;
	d->log = log;
	d->com1.in_fd = in_fd;
	d->com1.mcr = 0x08;	/* OUT2, as firmware leaves it */
}

int devices_stdin_source(void)
{
	return isatty(STDIN_FILENO) ? -1 : STDIN_FILENO;
}

static void console_put(struct devices *d, uint8_t byte)
{
	fputc(byte, d->console);
	/* Line-buffered even on a pipe, so guest output and minivm's notes on
	 * stderr interleave in the order they happened. */
	if (byte == '\n')
		fflush(d->console);
}

/* ---- COM1 ----------------------------------------------------------------- */

static void serial_fill(struct serial *s)
{
	struct pollfd p = { .fd = s->in_fd, .events = POLLIN };
	ssize_t n;

	if (s->rx_len || s->in_fd < 0 || poll(&p, 1, 0) <= 0)
		return;
	n = read(s->in_fd, s->rx, sizeof(s->rx));
	if (n <= 0) {
		s->in_fd = -1;	/* end of input (or an error): no more DR */
		return;
	}
	s->rx_head = 0;
	s->rx_len = (unsigned)n;
}

static void serial_loopback(struct serial *s, uint8_t byte)
{
	if (s->rx_len == SERIAL_RX_SIZE)
		return;		/* overrun: the byte is lost, as on the chip */
	if (s->rx_head + s->rx_len == SERIAL_RX_SIZE) {
		memmove(s->rx, s->rx + s->rx_head, s->rx_len);
		s->rx_head = 0;
	}
	s->rx[s->rx_head + s->rx_len++] = byte;
}

static uint8_t serial_msr(const struct serial *s)
{
	if (!(s->mcr & UART_MCR_LOOP))
		return UART_MSR_IDLE;
	/* Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	return (uint8_t)(((s->mcr & 0x02) << 3) | ((s->mcr & 0x01) << 5) | ((s->mcr & 0x04) << 4) |
			 ((s->mcr & 0x08) << 4));
}

static uint8_t serial_read(struct serial *s, unsigned offset)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t byte;

	switch (offset) {
	case 0:
		if (dlab)
			return s->dll;
		serial_fill(s);
		if (!s->rx_len)
			return 0;
		byte = s->rx[s->rx_head++];
		if (--s->rx_len == 0)
			s->rx_head = 0;
		return byte;
	case 1:
		return dlab ? s->dlm : s->ier;
	case 2:
		return (uint8_t)(UART_IIR_NONE | ((s->fcr & 1) ? UART_IIR_FIFO : 0));
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		serial_fill(s);
		return (uint8_t)(UART_LSR_THRE | UART_LSR_TEMT | (s->rx_len ? UART_LSR_DR : 0));
	case 6:
		return serial_msr(s);
	default:
		return s->scr;
	}
}

static void serial_write(struct devices *d, unsigned offset, uint8_t byte)
{
	struct serial *s = &d->com1;
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (offset) {
	case 0:
		if (dlab)
			s->dll = byte;
		else if (s->mcr & UART_MCR_LOOP)
			serial_loopback(s, byte);
		else
			console_put(d, byte);
		break;
	case 1:
		if (dlab)
			s->dlm = byte;
		else
			s->ier = byte & 0x0f;
		break;
	case 2:
		s->fcr = byte;
		break;
	case 3:
		s->lcr = byte;
		break;
	case 4:
		s->mcr = byte & 0x1f;
		break;
	case 5:
		break;		/* LSR is read-only outside factory test */
	case 6:
		break;
	default:
		s->scr = byte;
		break;
	}
}

/* A wider access to 8-bit registers is byte accesses to consecutive ports,
 * as the ISA bus splits it; bytes past COM1 float. */
static void serial_access(struct devices *d, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	uint32_t result = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned p = port + i;
		uint8_t byte = 0xff;

		if (p < COM1_BASE + 8 && in)
			byte = serial_read(&d->com1, p - COM1_BASE);
		else if (p < COM1_BASE + 8)
			serial_write(d, p - COM1_BASE, (uint8_t)(*value >> (8 * i)));
		result |= (uint32_t)byte << (8 * i);
	}
	if (in)
		*value = result;
}

/* ---- The rest ---------------------------------------------------------------- */

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void note_unknown(struct devices *d, struct vcpu *vcpu, uint16_t port, unsigned size, bool in)
{
	uint64_t rip = 0;
	uint8_t bit = (uint8_t)(1u << (port % 8));

	d->unknown_accesses++;
	if (d->strict_ports || (d->unknown_noted[port / 8] & bit))
		return;
	d->unknown_noted[port / 8] |= bit;
	vcpu_get_reg(vcpu, VCPU_REG_RIP, &rip);
	fflush(d->console);
	fprintf(d->log,
		"minivm: guest %s %u byte(s) %s unknown port 0x%x at RIP 0x%llx: %s (noted once per "
		"port; --strict-ports makes it fatal)\n",
		in ? "read" : "wrote", size, in ? "from" : "to", port, (unsigned long long)rip,
		in ? "reads as all ones" : "dropped");
}

int devices_port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in,
		    uint32_t *value)
{
	struct devices *d = opaque;

	if (port >= COM1_BASE && port < COM1_BASE + 8) {
		serial_access(d, port, size, in, value);
		return 0;
	}
	switch (port) {
	case DEBUGCON_PORT:
		if (in)
			*value = DEBUGCON_PORT & size_mask(size);
		else
			console_put(d, (uint8_t)*value);
		return 0;
	case EXIT_PORT:
		if (in) {
			*value = 0;
		} else {
			d->exit_value = *value & size_mask(size);
			d->stop = DEVICES_EXIT_PORT;
		}
		return 0;
	case PM1A_CNT_PORT:
		if (in)
			*value = 0;
		else if (*value & PM1_SLP_EN)
			d->stop = DEVICES_POWER_OFF;
		return 0;
	default:
		note_unknown(d, vcpu, port, size, in);
		return VCPU_ENODEV;
	}
}

int devices_exit_status(const struct devices *d)
{
	return (int)(((d->exit_value << 1) | 1) & 0xff);
}

const char *devices_port_name(const struct devices *d, uint16_t port, bool in)
{
	static const char *const names[2][2][8] = {
		/* DLAB 0: write, read */
		{ { "COM1 THR", "COM1 IER", "COM1 FCR", "COM1 LCR", "COM1 MCR", "COM1 LSR", "COM1 MSR",
		    "COM1 SCR" },
		  { "COM1 RBR", "COM1 IER", "COM1 IIR", "COM1 LCR", "COM1 MCR", "COM1 LSR", "COM1 MSR",
		    "COM1 SCR" } },
		/* DLAB 1 */
		{ { "COM1 DLL", "COM1 DLM", "COM1 FCR", "COM1 LCR", "COM1 MCR", "COM1 LSR", "COM1 MSR",
		    "COM1 SCR" },
		  { "COM1 DLL", "COM1 DLM", "COM1 IIR", "COM1 LCR", "COM1 MCR", "COM1 LSR", "COM1 MSR",
		    "COM1 SCR" } },
	};

	if (port >= COM1_BASE && port < COM1_BASE + 8)
		return names[(d->com1.lcr & UART_LCR_DLAB) ? 1 : 0][in][port - COM1_BASE];
	switch (port) {
	case DEBUGCON_PORT:
		return "debugcon";
	case EXIT_PORT:
		return "exit port";
	case PM1A_CNT_PORT:
		return "PM1a control";
	default:
		return NULL;
	}
}
