/* runs.c: see runs.h. */
#include "runs.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

glia_session_t *tr_new_session(const glia_config_t *cfg, uint32_t seed)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    return s;
}

double tr_clamp(double v, double c)
{
    return v > c ? c : v < -c ? -c : v;
}

void tr_check_resume(const glia_config_t *cfg, uint32_t seed, int first, int then)
{
    glia_session_t *s = tr_new_session(cfg, seed), *r;
    glia_error_t err;
    uint8_t *a, *b;
    size_t la, lb;

    cr_assert_eq(glia_session_advance(s, (uint64_t)first, UINT64_MAX), first);
    cr_assert_eq(glia_session_save(s, &a, &la), 0);
    cr_assert_eq(glia_session_load(a, la, &r, &err), 0, "%s", err.message);
    free(a);
    cr_assert_eq(glia_session_advance(s, (uint64_t)then, UINT64_MAX), then);
    cr_assert_eq(glia_session_advance(r, (uint64_t)then, UINT64_MAX), then);
    cr_assert_eq(glia_session_save(s, &a, &la), 0);
    cr_assert_eq(glia_session_save(r, &b, &lb), 0);
    cr_assert(la == lb && memcmp(a, b, la) == 0, "the resumed run diverged");
    cr_assert(memcmp(s->net->w, r->net->w, (size_t)s->net->n_syn * sizeof(double)) == 0);
    free(a);
    free(b);
    glia_session_free(s);
    glia_session_free(r);
}
