/* fuzz_config.c: the config document: JSON text -> config -> validate, and back.
 *
 * The input is a PUT /config-like wrapper {"preset": "...", "config": {...}} (either
 * member optional), resolved exactly as every entry point does (glia_config_resolve).
 * Properties: an error names a field under /config or /preset with a message; a config
 * that resolves also validates, and serialised (jansson's writer and glia's shortest-
 * real writer, compact and pretty) it parses back, on the defaults or on a preset, to an
 * equal config whose JSON is the same document.
 */
#include <string.h>

#include "api/config_json.h"
#include "api/json_write.h"
#include "fuzz_common.h"

static void round_trip(const glia_config_t *cfg, const json_t *doc, const char *text,
                       const char *writer)
{
    json_error_t jerr;
    json_t *back_doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *again;
    glia_config_t back;
    glia_error_t err;
    int rc;

    FUZZ_CHECK(back_doc != NULL, "%s: own output does not parse: %s\n%s", writer, jerr.text, text);
    for (int on_preset = 0; on_preset < 2; on_preset++) {
        glia_error_clear(&err);
        rc = glia_config_resolve(&back, on_preset ? "control" : NULL, "/preset", back_doc,
                                 "/config", &err);
        FUZZ_CHECK(rc == 0, "%s: own output refused: %s: %s\n%s", writer, err.field, err.message,
                   text);
        FUZZ_CHECK(glia_config_equal(cfg, &back), "%s: round trip changed the config\n%s", writer,
                   text);
    }
    again = glia_config_to_json(&back);
    FUZZ_CHECK(again != NULL, "to_json");
    FUZZ_CHECK(json_equal(doc, again), "%s: the document changed on the way back\n%s", writer,
               text);
    json_decref(again);
    json_decref(back_doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in, *doc;
    const json_t *preset, *overrides;
    glia_config_t cfg;
    glia_error_t err;
    int rc;

    if (size > FUZZ_MAX_INPUT || (in = fuzz_json(data, size)) == NULL)
        return 0;
    preset = json_object_get(in, "preset");
    overrides = json_object_get(in, "config");
    glia_error_clear(&err);
    rc = glia_config_resolve(&cfg, json_is_string(preset) ? json_string_value(preset) : NULL,
                             "/preset", overrides, "/config", &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == GLIA_EINVAL || rc == GLIA_ENOENT, "resolve returned %d", rc);
        FUZZ_CHECK_ERROR(err, rc);
        FUZZ_CHECK(strncmp(err.field, "/config", 7) == 0 || strcmp(err.field, "/preset") == 0,
                   "pointer \"%s\" outside the document", err.field);
        json_decref(in);
        return 0;
    }
    FUZZ_CHECK(glia_config_validate(&cfg, NULL) == 0, "a resolved config does not validate");

    doc = glia_config_to_json(&cfg);
    FUZZ_CHECK(doc != NULL, "to_json");
    {
        char *text = json_dumps(doc, JSON_COMPACT);
        FUZZ_CHECK(text != NULL, "json_dumps");
        round_trip(&cfg, doc, text, "json_dumps");
        free(text);
    }
    for (int flags = GLIA_JSON_COMPACT; flags <= GLIA_JSON_PRETTY; flags++) {
        char *text = glia_json_dumps(doc, flags, NULL);
        FUZZ_CHECK(text != NULL, "glia_json_dumps");
        round_trip(&cfg, doc, text, flags ? "glia_json_dumps pretty" : "glia_json_dumps");
        free(text);
    }
    json_decref(doc);
    json_decref(in);
    return 0;
}
