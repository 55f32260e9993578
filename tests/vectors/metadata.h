/*
 * What a directory of MOO files says about itself: metadata.json (per
 * opcode, and per ModRM reg for group opcodes: a status and the mask of
 * defined flags) and revocation_list.txt (hashes of known-bad tests).
 */
#ifndef METADATA_H
#define METADATA_H

#include <stdbool.h>
#include <stdint.h>

struct metadata;

/* Load what exists in `dir`; a missing file means no masks/revocations.
 * NULL with *why on a malformed file. */
struct metadata *metadata_load(const char *dir, const char **why);
void metadata_free(struct metadata *m);

/* For an opcode file stem such as "80.3" or "D6": the flags mask
 * (0xffff where all are defined) and the status ("normal", ...). */
uint16_t metadata_flags_mask(const struct metadata *m, const char *stem);
const char *metadata_status(const struct metadata *m, const char *stem);
bool metadata_revoked(const struct metadata *m, const uint8_t hash[20]);

#endif
