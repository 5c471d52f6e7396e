/* sha256.h: SHA-256 (FIPS 180-4, libsodium's), to name an experiment document by its content.
 *
 * A study's parts (shards run on different machines) carry the hash of the study they
 * belong to; merging refuses parts of different studies. One-shot only: the documents
 * are small and already in memory.
 */
#ifndef GLIA_SHA256_H
#define GLIA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define GLIA_SHA256_HEX (2 * 32 + 1) /* 64 hex digits and a NUL */

/* The digest of `len` bytes at `data`. */
void glia_sha256(const void *data, size_t len, uint8_t out[32]);

/* The digest as 64 lowercase hex digits, NUL-terminated. */
void glia_sha256_hex(const void *data, size_t len, char out[GLIA_SHA256_HEX]);

#endif
