/* test_registry.c: the session index: lookups by name, adding (a taken name refused),
 * removing only the very entry, pages after a cursor with a state filter, listing, and
 * the references the registry and its callers hold. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/sessions/entry.h"
#include "server/sessions/registry.h"

static glia_registry_t reg;

static void setup(void)
{
    cr_assert_eq(glia_registry_init(&reg), 0);
}

static void teardown(void)
{
    glia_registry_destroy(&reg);
}

TestSuite(registry, .init = setup, .fini = teardown);

static int refs(glia_entry_t *e)
{
    return atomic_load(&e->refs);
}

/* Add an entry and drop our own reference: the registry holds the only one. */
static glia_entry_t *add(const char *name, int state)
{
    glia_entry_t *e = glia_entry_new(name);

    cr_assert_not_null(e);
    atomic_store(&e->pub_state, state);
    cr_assert_eq(glia_registry_add(&reg, e), 0, "add %s", name);
    glia_entry_unref(e);
    return e;
}

Test(registry, finds_entries_by_name_with_a_new_reference)
{
    glia_entry_t *b = add("beta", GLIA_STATE_IDLE), *got;

    add("alpha", GLIA_STATE_IDLE);
    cr_expect_eq(glia_registry_count(&reg), 2);
    cr_expect_eq(refs(b), 1, "the registry's reference");
    got = glia_registry_get(&reg, "beta");
    cr_assert_eq(got, b);
    cr_expect_eq(refs(b), 2, "and the caller's");
    glia_entry_unref(got);
    cr_expect_eq(refs(b), 1);
    cr_expect_null(glia_registry_get(&reg, "gamma"));
    cr_expect_null(glia_registry_get(&reg, "alph"), "no prefix match");
}

Test(registry, a_taken_name_is_refused)
{
    glia_entry_t *first = add("same", GLIA_STATE_IDLE);
    glia_entry_t *second = glia_entry_new("same");

    cr_expect_eq(glia_registry_add(&reg, second), GLIA_EEXIST);
    cr_expect_eq(refs(second), 1, "a refused entry gets no reference");
    cr_expect_eq(glia_registry_count(&reg), 1);
    glia_entry_unref(second);
    {
        glia_entry_t *got = glia_registry_get(&reg, "same");
        cr_expect_eq(got, first, "the first stays");
        glia_entry_unref(got);
    }
}

Test(registry, removes_only_the_very_entry)
{
    glia_entry_t *e = add("x", GLIA_STATE_IDLE), *namesake = glia_entry_new("x");

    glia_entry_ref(e); /* keep it alive to look at it after removal */
    glia_registry_remove(&reg, namesake);
    cr_expect_eq(glia_registry_count(&reg), 1, "a namesake is not the entry");
    cr_expect_eq(refs(namesake), 1, "and loses nothing");
    glia_entry_unref(namesake);
    glia_registry_remove(&reg, e);
    cr_expect_eq(glia_registry_count(&reg), 0);
    cr_expect_eq(refs(e), 1, "the registry dropped its reference");
    glia_registry_remove(&reg, e); /* not there: a no-op */
    cr_expect_eq(refs(e), 1);
    cr_expect_null(glia_registry_get(&reg, "x"));
    glia_entry_unref(e);
}

Test(registry, keeps_names_in_order_whatever_the_insertion_order)
{
    static const char *const names[] = {"m", "c", "x", "a", "q", "b", "z", "k"};
    glia_entry_t **list;
    size_t n;

    for (size_t i = 0; i < 8; i++)
        add(names[i], GLIA_STATE_IDLE);
    n = glia_registry_list(&reg, &list);
    cr_assert_eq(n, 8);
    for (size_t i = 1; i < n; i++)
        cr_expect_lt(strcmp(list[i - 1]->name, list[i]->name), 0, "%s before %s", list[i - 1]->name,
                     list[i]->name);
    cr_expect_eq(refs(list[0]), 2, "a listed entry is referenced by the list");
    glia_registry_list_free(list, n);
    {
        glia_entry_t *a = glia_registry_get(&reg, "a");
        cr_expect_eq(refs(a), 2, "the list gave its references back");
        glia_entry_unref(a);
    }
}

Test(registry, pages_after_a_cursor)
{
    glia_entry_t *page[4];
    char name[8];
    int more = -1;
    size_t n;

    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        add(name, GLIA_STATE_IDLE);
    }
    n = glia_registry_page(&reg, NULL, -1, NULL, 4, page, &more);
    cr_assert_eq(n, 4);
    cr_expect_eq(more, 1);
    cr_expect_str_eq(page[0]->name, "s0");
    cr_expect_str_eq(page[3]->name, "s3");
    for (size_t i = 0; i < n; i++)
        glia_entry_unref(page[i]);

    n = glia_registry_page(&reg, "s3", -1, NULL, 4, page, &more);
    cr_assert_eq(n, 4);
    cr_expect_str_eq(page[0]->name, "s4", "the cursor itself is not repeated");
    for (size_t i = 0; i < n; i++)
        glia_entry_unref(page[i]);

    n = glia_registry_page(&reg, "s7", -1, NULL, 4, page, &more);
    cr_expect_eq(n, 2);
    cr_expect_eq(more, 0, "the last page");
    for (size_t i = 0; i < n; i++)
        glia_entry_unref(page[i]);

    n = glia_registry_page(&reg, "s45", -1, NULL, 4, page, &more);
    cr_expect_str_eq(page[0]->name, "s5", "a cursor that names no entry still orders");
    for (size_t i = 0; i < n; i++)
        glia_entry_unref(page[i]);

    {
        glia_entry_t *all[10];
        n = glia_registry_page(&reg, NULL, -1, NULL, 10, all, &more);
        cr_expect_eq(n, 10);
        cr_expect_eq(more, 0, "exactly the limit left: no more");
        for (size_t i = 0; i < n; i++)
            glia_entry_unref(all[i]);
    }
}

Test(registry, filters_pages_by_published_state)
{
    glia_entry_t *page[8];
    int more;
    size_t n;

    add("a", GLIA_STATE_RUNNING);
    add("b", GLIA_STATE_IDLE);
    add("c", GLIA_STATE_RUNNING);
    add("d", GLIA_STATE_COMPLETED);
    add("e", GLIA_STATE_RUNNING);
    n = glia_registry_page(&reg, NULL, GLIA_STATE_RUNNING, NULL, 2, page, &more);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(page[0]->name, "a");
    cr_expect_str_eq(page[1]->name, "c");
    cr_expect_eq(more, 1);
    glia_entry_unref(page[0]);
    glia_entry_unref(page[1]);
    n = glia_registry_page(&reg, "c", GLIA_STATE_RUNNING, NULL, 2, page, &more);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(page[0]->name, "e");
    cr_expect_eq(more, 0);
    glia_entry_unref(page[0]);
    n = glia_registry_page(&reg, NULL, GLIA_STATE_FAILED, NULL, 8, page, &more);
    cr_expect_eq(n, 0);
}

/* An entry of an experiment, as the experiment creates it: the name set before it is added. */
static void add_in(const char *name, int state, const char *experiment)
{
    glia_entry_t *e = glia_entry_new(name);

    cr_assert_not_null(e);
    atomic_store(&e->pub_state, state);
    snprintf(e->experiment, sizeof(e->experiment), "%s", experiment);
    cr_assert_eq(glia_registry_add(&reg, e), 0, "add %s", name);
    glia_entry_unref(e);
}

Test(registry, filters_pages_by_experiment_and_state)
{
    glia_entry_t *page[8];
    int more;
    size_t n;

    add_in("x.a.1", GLIA_STATE_COMPLETED, "x");
    add("x.a.2", GLIA_STATE_COMPLETED); /* named like one, but no experiment's */
    add_in("x.b.1", GLIA_STATE_RUNNING, "x");
    add_in("xy.a.1", GLIA_STATE_COMPLETED, "xy");
    add_in("z.a.1", GLIA_STATE_COMPLETED, "x"); /* the experiment decides, not the name */
    n = glia_registry_page(&reg, NULL, -1, "x", 8, page, &more);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(page[0]->name, "x.a.1");
    cr_expect_str_eq(page[1]->name, "x.b.1");
    cr_expect_str_eq(page[2]->name, "z.a.1");
    cr_expect_eq(more, 0);
    for (size_t i = 0; i < n; i++)
        glia_entry_unref(page[i]);
    n = glia_registry_page(&reg, NULL, GLIA_STATE_COMPLETED, "x", 1, page, &more);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(page[0]->name, "x.a.1");
    cr_expect_eq(more, 1, "z.a.1 remains");
    glia_entry_unref(page[0]);
    n = glia_registry_page(&reg, "x.a.1", GLIA_STATE_COMPLETED, "x", 1, page, &more);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(page[0]->name, "z.a.1");
    cr_expect_eq(more, 0);
    glia_entry_unref(page[0]);
    cr_expect_eq(glia_registry_page(&reg, NULL, -1, "nope", 8, page, &more), 0);
}

Test(registry, grows_past_its_first_allocation)
{
    char name[16];

    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "n%03d", 299 - i);
        add(name, GLIA_STATE_IDLE);
    }
    cr_expect_eq(glia_registry_count(&reg), 300);
    for (int i = 0; i < 300; i += 37) {
        glia_entry_t *e;
        snprintf(name, sizeof(name), "n%03d", i);
        e = glia_registry_get(&reg, name);
        cr_assert_not_null(e, "%s", name);
        cr_expect_str_eq(e->name, name);
        glia_entry_unref(e);
    }
}

Test(registry, state_names_round_trip)
{
    for (int s = 0; s < GLIA_STATE_COUNT; s++)
        cr_expect_eq(glia_state_from_name(glia_state_name(s)), s);
    cr_expect_str_eq(glia_state_name(GLIA_STATE_CANCELLED), "cancelled");
    cr_expect_lt(glia_state_from_name("sleeping"), 0);
}
