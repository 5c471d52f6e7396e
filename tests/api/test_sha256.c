/* test_sha256.c: SHA-256 against FIPS 180-4's examples ("abc", the 448-bit message, a
 * million "a") and digests computed outside glia (Python's hashlib) for lengths at the
 * padding boundaries: 55 bytes (the length still fits the block), 56 and 63 (it spills
 * into a second block), 64, 119, 120 and 1000. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "api/sha256.h"

static void alphabet(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('a' + i % 26);
}

Test(sha256, fips_180_examples)
{
    char hex[GLIA_SHA256_HEX];
    char *million = malloc(1000000);
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

    glia_sha256_hex("", 0, hex);
    cr_expect_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    glia_sha256_hex("abc", 3, hex);
    cr_expect_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    glia_sha256_hex(m448, strlen(m448), hex);
    cr_expect_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    cr_assert_not_null(million);
    memset(million, 'a', 1000000);
    glia_sha256_hex(million, 1000000, hex);
    cr_expect_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

Test(sha256, padding_boundaries)
{
    static const struct {
        size_t n;
        const char *hex;
    } want[] = {
        {55, "595615dbe4f0f407ae397d08b4c2cb870cb9b0e11937416f950c5160acf9c005"},
        {56, "784f623b787495078e93ff28a25b581df0584055a7e71d8cd90c454716b92f51"},
        {63, "5ca3e1ef5207490eac01a795e5cc94d59582a5118bf9534665c8668d87aa647c"},
        {64, "2fcd5a0d60e4c941381fcc4e00a4bf8be422c3ddfafb93c809e8d1e2bfffae8e"},
        {119, "faef67da856d6fd9c8d12f9ed0a4fefd3cf0ce085ab43e2907418d457e3c354b"},
        {120, "c9512b08619c19fbb503c7da6b46ef20301e5f7a7a5f43989182398536f5c5c8"},
        {1000, "915e53a44c18b19bb06ba5b3f5fcaf1dc4651e8404c63425cfc6174e74659d87"},
    };
    char text[1000], hex[GLIA_SHA256_HEX];

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        alphabet(text, want[i].n);
        glia_sha256_hex(text, want[i].n, hex);
        cr_expect_str_eq(hex, want[i].hex, "%zu bytes", want[i].n);
    }
}
