/*
 * emu_peers - libvcpu's real-mode emulator and the emulators it is
 * measured against (libx86emu, Unicorn), behind one small interface for
 * bench_emu (throughput) and bench_emu_step (one-instruction latency).
 *
 * Every contender runs real-mode code from the caller's RAM buffer
 * (physical 0 .. ram_size, mapped, never copied) and starts from the same
 * register state. A peer whose library was not found at build time is
 * simply absent (peer_built_in() says so): the benchmarks still build.
 */
#ifndef BENCH_EMU_PEERS_H
#define BENCH_EMU_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum peer_kind { PEER_LIBVCPU, PEER_X86EMU, PEER_UNICORN, PEER_KINDS };

/* Real-mode register state: segment bases are selector * 16. */
struct rm_state {
	uint32_t gpr[8];	/* EAX ECX EDX EBX ESP EBP ESI EDI (enum vcpu_reg's order) */
	uint32_t eip;
	uint32_t eflags;
	uint16_t sreg[6];	/* ES CS SS DS FS GS */
};

enum { RM_ES, RM_CS, RM_SS, RM_DS, RM_FS, RM_GS };

/* What a peer reports after peer_run. */
struct peer_result {
	bool halted;		/* stopped where it should (HLT, or stop_ip) */
	uint64_t retired;	/* instructions, or PEER_UNCOUNTED */
};
#define PEER_UNCOUNTED UINT64_MAX

struct peer;

const char *peer_name(enum peer_kind kind);
bool peer_built_in(enum peer_kind kind);

/* An emulator on ram[0, ram_size) (ram_size a multiple of 4 KiB, ram
 * 4 KiB aligned). count_out: OUT goes to a no-op callback that counts
 * (libx86emu then takes every memory access through one more function,
 * so only the latency benchmark asks). NULL with a message on stderr if
 * it cannot be created. */
struct peer *peer_create(enum peer_kind kind, uint8_t *ram, size_t ram_size, bool count_out);
void peer_destroy(struct peer *p);
enum peer_kind peer_kind_of(const struct peer *p);

int peer_set_state(struct peer *p, const struct rm_state *s);
void peer_get_state(struct peer *p, struct rm_state *s);
/* One general register (0-7 as in rm_state.gpr): cheaper than the state. */
int peer_set_gpr(struct peer *p, unsigned reg, uint32_t value);

/* Run from the state set until the HLT at CS:stop_ip (Unicorn stops in
 * front of it, the others execute it), at most max_insns instructions
 * (Unicorn: a time limit instead). 0, or -1 with peer_error() set. */
int peer_run(struct peer *p, uint32_t stop_ip, uint64_t max_insns, struct peer_result *res);

/* Execute the one instruction at CS:ip (IP set, then one step). */
int peer_step_at(struct peer *p, uint32_t ip);

/* Forget decoded or translated code (libx86emu keeps none). */
void peer_forget_code(struct peer *p);

/* OUTs the count_out callback has seen. */
uint64_t peer_outs(const struct peer *p);

const char *peer_error(const struct peer *p);

#endif /* BENCH_EMU_PEERS_H */
