/*
 * minivm - command line options and --help.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "options.h"

static const char usage_text[] =
	"Usage: minivm [options] [IMAGE]\n"
	"\n"
	"Run IMAGE in a virtual machine built on libvcpu, with one VCPU or --smp N.\n"
	"Without IMAGE, run a built-in demo guest (--demo).\n"
	"\n"
	"IMAGE is a flat binary, loaded at 0x7c00 and started there in real mode like a\n"
	"boot sector (CS:IP 0000:7C00, DL 0x80), or a Multiboot (v1) ELF32 kernel, loaded\n"
	"at its physical addresses and started in 32-bit protected mode, paging off,\n"
	"EAX 0x2BADB002, EBX the Multiboot information (memory sizes, memory map, and\n"
	"the command line: the image path, then --append).\n"
	"\n"
	"With --smp N every VCPU starts there, in the same state, with ECX = N (there is\n"
	"no local APIC for INIT/SIPI): a guest tells its VCPUs apart by the initial APIC\n"
	"ID in CPUID.1:EBX[31:24], which is the VCPU's id; VCPU 0 is the bootstrap\n"
	"processor, and the guest holds the others back until it is ready.\n"
	"\n"
	"Options:\n"
	"  -b, --backend NAME     kvm (default); emulate: libvcpu's instruction emulator\n"
	"                         runs the guest, on any host (real mode, and flat\n"
	"                         protected mode without paging); or mock: loads the\n"
	"                         image and checks the boot state, but cannot execute it\n"
	"  -d, --device PATH      KVM device node (default /dev/kvm)\n"
	"  -m, --mem SIZE         guest RAM: bytes, or with K, M or G (default 32M;\n"
	"                         64K to 3G, a multiple of 4K)\n"
	"  -l, --load ADDR        flat image: load address (default 0x7c00)\n"
	"  -e, --entry ADDR       flat image: start address, linear below 1 MiB or SEG:OFF\n"
	"                         in hex (default: the load address)\n"
	"  -a, --append STRING    Multiboot: command line after the image path\n"
	"  -c, --smp N            N VCPUs (1 to 16, default 1), each on its own host\n"
	"                         thread; N > 1 needs --backend kvm\n"
	"  -D, --demo NAME        without IMAGE: exits, the demo of VM exits (default\n"
	"                         with one VCPU); or smp, VCPUs taking turns at a\n"
	"                         spinlock in shared memory (default with --smp N > 1)\n"
	"  -t, --trace            print every VM exit, decoded, on stderr\n"
	"  -s, --stats            print exit counts and times per reason on stderr\n"
	"  -n, --max-exits N      stop the guest after N VM exits\n"
	"  -T, --timeout SECONDS  stop the guest after SECONDS (fractions allowed)\n"
	"  -S, --strict-ports     guest I/O to a port with no device is fatal (default:\n"
	"                         noted once per port; reads return all ones)\n"
	"  -h, --help             print this help\n"
	"\n"
	"Devices: COM1 at 0x3f8 (16550 UART: output to stdout, input from stdin when\n"
	"stdin is not a terminal), debug console at port 0xe9 (output to stdout), exit\n"
	"port at 0xf4 (QEMU's isa-debug-exit), ACPI power-off at 0x604 (write 0x2000).\n"
	"No interrupt controller, no timer, no MMIO devices. Guest output goes to\n"
	"stdout; minivm's own messages, --trace and --stats to stderr.\n"
	"\n"
	"Exit status:\n"
	"  0         the guest halted with interrupts off (CLI; HLT), or powered off\n"
	"  (V<<1)|1  the guest wrote V to port 0xf4 (low 8 bits, as under QEMU; odd\n"
	"            values can coincide with the statuses below)\n"
	"  64        usage error\n"
	"  65        bad image: too big for guest RAM or its load address, malformed\n"
	"            ELF, bad Multiboot header\n"
	"  66        image missing or unreadable\n"
	"  69        backend unavailable: no KVM device, no permission, --backend mock\n"
	"  70        guest failure: triple fault, invalid guest state, access outside\n"
	"            RAM, unknown port with --strict-ports, any other VCPU error; the\n"
	"            error, its detail and the VCPU state are printed\n"
	"  71        host failure: guest RAM, a VCPU or a VCPU's host thread could\n"
	"            not be set up\n"
	"  75        guest stopped: --timeout or --max-exits reached, or HLT with\n"
	"            interrupts on (nothing in minivm could wake it)\n"
	"\n"
	"With --smp N, 0 once every VCPU has halted with interrupts off; the first VCPU\n"
	"that stops the guest otherwise (a failure, the exit or power-off port,\n"
	"--max-exits, HLT with interrupts on) stops the others and gives the status.\n";

void options_usage(FILE *out)
{
	fputs(usage_text, out);
}

bool options_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

/* SEG:OFF in hex (an optional 0x on either part), as debuggers write it. */
static bool parse_segmented(const char *s, uint16_t *seg, uint64_t *off)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(s, &end, 16);
	if (errno || end == s || *end != ':' || a > 0xffff)
		return false;
	s = end + 1;
	b = strtoul(s, &end, 16);
	if (errno || end == s || *end || b > 0xffff || *s == '-')
		return false;
	*seg = (uint16_t)a;
	*off = b;
	return true;
}

static int bad(char *err, size_t errlen, const char *opt, const char *arg, const char *why)
{
	snprintf(err, errlen, "%s '%s': %s", opt, arg, why);
	return EX_USAGE;
}

static int check_mem(uint64_t mem, const char *arg, char *err, size_t errlen)
{
	if (mem < MINIVM_MIN_MEM || mem > MINIVM_MAX_MEM)
		return bad(err, errlen, "--mem", arg, "guest RAM must be between 64K and 3G");
	if (mem % 4096)
		return bad(err, errlen, "--mem", arg, "guest RAM must be a multiple of 4K");
	return 0;
}

static int parse_one(struct options *o, int c, const char *arg, char *err, size_t errlen)
{
	struct load_options *l = &o->load;
	uint64_t n;
	char *end;

	switch (c) {
	case 'b':
		if (strcmp(arg, "kvm") && strcmp(arg, "emulate") && strcmp(arg, "mock"))
			return bad(err, errlen, "--backend", arg, "minivm knows kvm, emulate and mock");
		o->backend = arg;
		return 0;
	case 'd':
		o->device = arg;
		return 0;
	case 'm':
		if (!options_parse_size(arg, &l->ram_size))
			return bad(err, errlen, "--mem", arg, "not a size (e.g. 64M, 65536, 1G)");
		return check_mem(l->ram_size, arg, err, errlen);
	case 'l':
		l->have_load = true;
		return parse_u64(arg, &l->load) ? 0 : bad(err, errlen, "--load", arg, "not an address");
	case 'e':
		l->have_entry = true;
		l->entry_is_segmented = strchr(arg, ':') != NULL;
		if (l->entry_is_segmented ? parse_segmented(arg, &l->entry_cs, &l->entry)
					  : parse_u64(arg, &l->entry))
			return 0;
		return bad(err, errlen, "--entry", arg, "not an address or SEG:OFF");
	case 'a':
		l->append = arg;
		return 0;
	case 'c':
		if (!parse_u64(arg, &n) || n < 1 || n > MINIVM_MAX_VCPUS)
			return bad(err, errlen, "--smp", arg, "not a number of VCPUs from 1 to 16");
		o->nr_vcpus = (unsigned)n;
		l->smp = (unsigned)n;
		return 0;
	case 'D':
		if (!strcmp(arg, "exits"))
			o->demo = DEMO_EXITS;
		else if (!strcmp(arg, "smp"))
			o->demo = DEMO_SMP;
		else
			return bad(err, errlen, "--demo", arg, "minivm has the demos exits and smp");
		return 0;
	case 'n':
		if (!parse_u64(arg, &o->max_exits) || !o->max_exits)
			return bad(err, errlen, "--max-exits", arg, "not a positive count");
		return 0;
	case 'T':
		errno = 0;
		o->timeout = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->timeout > 0) || o->timeout > 1e6)
			return bad(err, errlen, "--timeout", arg, "not a number of seconds in (0, 1e6]");
		return 0;
	default:
		snprintf(err, errlen, "unknown option");
		return EX_USAGE;
	}
}

/* VCPUs of one VM run concurrently only on KVM: the emulator's XCHG is not
 * atomic between threads, and the mock executes nothing. */
static int check_smp(struct options *o, char *err, size_t errlen)
{
	if (o->nr_vcpus > 1 && strcmp(o->backend, "kvm")) {
		snprintf(err, errlen, "--smp %u: more than one VCPU needs --backend kvm (the VCPUs run "
			 "on host threads at once)", o->nr_vcpus);
		return EX_USAGE;
	}
	if (o->image && o->demo != DEMO_DEFAULT) {
		snprintf(err, errlen, "--demo picks a built-in guest; it goes without IMAGE");
		return EX_USAGE;
	}
	if (o->demo == DEMO_DEFAULT)
		o->demo = o->nr_vcpus > 1 ? DEMO_SMP : DEMO_EXITS;
	if (!o->image && o->demo == DEMO_EXITS && o->nr_vcpus > 1) {
		snprintf(err, errlen, "--demo exits runs on one VCPU (its VCPUs would share one stack); "
			 "--demo smp is the one for --smp %u", o->nr_vcpus);
		return EX_USAGE;
	}
	return 0;
}

int options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "load", required_argument, NULL, 'l' },
		{ "entry", required_argument, NULL, 'e' },
		{ "append", required_argument, NULL, 'a' },
		{ "smp", required_argument, NULL, 'c' },
		{ "demo", required_argument, NULL, 'D' },
		{ "trace", no_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "max-exits", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "strict-ports", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	memset(o, 0, sizeof(*o));
	o->backend = "kvm";
	o->nr_vcpus = 1;
	o->device = "/dev/kvm";
	o->load.ram_size = MINIVM_DEFAULT_MEM;
	opterr = 0;	/* our message, with the status we document */
	while ((c = getopt_long(argc, argv, ":b:d:m:l:e:a:c:D:tsn:T:Sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			options_usage(stdout);
			return -1;
		case 't':
			o->trace = true;
			break;
		case 's':
			o->stats = true;
			break;
		case 'S':
			o->strict_ports = true;
			break;
		case ':':
			snprintf(err, errlen, "option %s needs an argument", argv[optind - 1]);
			return EX_USAGE;
		case '?':
			if (optopt)
				snprintf(err, errlen, "unknown option -%c", optopt);
			else
				snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
			return EX_USAGE;
		default:
			r = parse_one(o, c, optarg, err, errlen);
			if (r)
				return r;
			break;
		}
	}
	if (argc - optind > 1) {
		snprintf(err, errlen, "one image at most (got '%s' and '%s')", argv[optind],
			 argv[optind + 1]);
		return EX_USAGE;
	}
	o->image = optind < argc ? argv[optind] : NULL;
	if (!o->image && (o->load.have_load || o->load.have_entry || o->load.append)) {
		snprintf(err, errlen, "--load, --entry and --append need an IMAGE");
		return EX_USAGE;
	}
	return check_smp(o, err, errlen);
}
