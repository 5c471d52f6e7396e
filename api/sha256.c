/* sha256.c: see sha256.h. The digest is libsodium's crypto_hash_sha256; this file only
 * spells it in hex. (crypto_hash_sha256 has no CPU-specific variant, so it needs no
 * sodium_init: that is for the random generator and the dispatched primitives.) */
#include "api/sha256.h"

#include <sodium.h>

void glia_sha256(const void *data, size_t len, uint8_t out[32])
{
    crypto_hash_sha256(out, data, len);
}

void glia_sha256_hex(const void *data, size_t len, char out[GLIA_SHA256_HEX])
{
    uint8_t d[32];

    glia_sha256(data, len, d);
    sodium_bin2hex(out, GLIA_SHA256_HEX, d, sizeof d);
}
