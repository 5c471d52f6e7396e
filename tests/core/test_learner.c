/* test_learner.c: the learner table: every /learner/kind has ops under the same name,
 * with the calls every session makes, and every learner's state survives a snapshot. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/learners/learner.h"
#include "core/session.h"

static const glia_config_field_t *kind_field(void)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        if (strcmp(f->pointer, "/learner/kind") == 0)
            return f;
    }
    cr_assert_fail("no /learner/kind field");
    return NULL;
}

Test(learner, every_kind_has_complete_ops_under_its_config_name)
{
    const glia_config_field_t *f = kind_field();
    int n = 0;

    for (; f->names[n] != NULL; n++) {
        const glia_learner_ops_t *ops = glia_learner_ops(n);
        cr_assert_not_null(ops, "kind %d (%s) has no ops", n, f->names[n]);
        cr_assert_str_eq(ops->name, f->names[n]);
        cr_assert(ops->save != NULL && ops->load != NULL && ops->describe != NULL, "%s", ops->name);
        cr_assert((ops->init == NULL) == (ops->destroy == NULL), "%s: init and destroy pair",
                  ops->name);
        cr_assert(ops->state_size > 0 || ops->init == NULL, "%s", ops->name);
    }
    cr_assert(n >= 3);
    cr_assert_null(glia_learner_ops(n), "no ops past the last kind");
    cr_assert_null(glia_learner_ops(-1));
}

Test(learner, every_kind_builds_steps_and_reloads)
{
    const glia_config_field_t *f = kind_field();

    for (int k = 0; f->names[k] != NULL; k++) {
        glia_config_t cfg;
        glia_session_t *s, *r;
        glia_error_t err;
        uint8_t *a, *b;
        size_t la, lb;

        glia_config_default(&cfg);
        cfg.learner.kind = k;
        glia_error_clear(&err);
        cr_assert_eq(glia_session_new(&cfg, 5, &s, &err), 0, "%s: %s", f->names[k], err.message);
        cr_assert_str_eq(glia_session_learner_name(s), f->names[k]);
        cr_assert_eq(glia_session_advance(s, 123, UINT64_MAX), 123);
        cr_assert_eq(glia_session_save(s, &a, &la), 0);
        cr_assert_eq(glia_session_load(a, la, &r, &err), 0, "%s: %s", f->names[k], err.message);
        cr_assert_eq(glia_session_advance(s, 77, UINT64_MAX), 77);
        cr_assert_eq(glia_session_advance(r, 77, UINT64_MAX), 77);
        cr_assert_eq(glia_session_save(s, &b, &lb), 0);
        free(a);
        cr_assert_eq(glia_session_save(r, &a, &la), 0);
        cr_assert(la == lb && memcmp(a, b, la) == 0, "%s: reloaded state diverged", f->names[k]);
        free(a);
        free(b);
        glia_session_free(s);
        glia_session_free(r);
    }
}
