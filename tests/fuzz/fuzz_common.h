/* fuzz_common.h: what every harness shares: a fatal check and JSON from fuzz bytes.
 *
 * A harness states properties of the code under test; a property that fails is a
 * finding, reported like a crash (abort() under libFuzzer writes the reproducer).
 */
#ifndef GLIA_FUZZ_COMMON_H
#define GLIA_FUZZ_COMMON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failed property: print where and why, then abort so libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__, #cond);            \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Inputs larger than this are not interesting and only slow the search down. */
#define FUZZ_MAX_INPUT (64 * 1024)

/* The bytes as a JSON value, parsed the way gliad parses a request body. NULL when they
 * are not JSON. New reference. */
static inline json_t *fuzz_json(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    return json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
}

/* An error record a client would see must be well formed: a code, a field that is empty,
 * a JSON pointer, a query parameter ("?limit") or the one header gliad reads, and a
 * message. */
#define FUZZ_CHECK_ERROR(err, rc)                                                                  \
    do {                                                                                           \
        FUZZ_CHECK((err).code == (rc), "error code %d, returned %d", (err).code, (rc));            \
        FUZZ_CHECK((err).field[0] == '\0' || (err).field[0] == '/' || (err).field[0] == '?' ||     \
                       strcmp((err).field, "Last-Event-ID") == 0,                                  \
                   "field \"%s\"", (err).field);                                                   \
        FUZZ_CHECK((err).message[0] != '\0', "empty message for %s", (err).field);                 \
    } while (0)

#endif
