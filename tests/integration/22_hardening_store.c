/* 22_hardening_store: a damaged store is never silently smaller. Random bytes flipped in a
 * stopped glia.db (a fixed seed), and in the write-ahead log left by a kill -9 (its frames,
 * or its header): gliad refuses to start, exits non-zero with a message naming
 * `PRAGMA integrity_check` and the backup path, and leaves the files byte for byte as they
 * were (it used to start with a few sessions missing and nothing said, or empty with the
 * log deleted). With --salvage it backs the damaged files up, starts with what reads, and
 * says what it lost: in the log and in /v1/version. The salvaged store then starts without
 * --salvage; --salvage on a sound store changes nothing. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/extra.h"
#include "support/harness.h"

#define SESSIONS 30

/* A small deterministic generator for the positions to damage (xorshift64*). */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Flip `n` bytes of `path` at positions in [from, size), chosen by `seed`. */
static void flip_bytes(const char *path, size_t from, int n, uint64_t seed)
{
    size_t len;
    char *data = it_read_file(path, &len);

    cr_assert_not_null(data, "read %s", path);
    cr_assert_gt(len, from + 1024, "%s is big enough to damage (%zu bytes)", path, len);
    for (int i = 0; i < n; i++) {
        size_t at = from + (size_t)(next_random(&seed) % (len - from));
        data[at] = (char)(data[at] ^ (char)(1 + next_random(&seed) % 255));
    }
    cr_assert_eq(it_write_file(path, data, len), 0);
    free(data);
}

/* Sessions that learned a little, each with points and events: a store with some body. */
static void fill(glia_daemon_t *d, int n)
{
    char name[32];

    for (int i = 0; i < n; i++) {
        it_resp_t r;
        snprintf(name, sizeof(name), "s%02d", i);
        r = it_send(d, "POST", "/v1/sessions",
                    "{\"name\": \"%s\", \"preset\": \"cursor\", \"seed\": %d, \"config\": "
                    "{\"training\": {\"trajectory_interval\": 5}}}",
                    name, i + 1);
        cr_assert_eq(r.status, 201, "create %s: %ld", name, r.status);
        it_resp_free(&r);
        it_run(d, name, 40);
    }
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "s%02d", i);
        json_decref(it_wait_state(d, name, "completed", 60));
    }
}

static int count_sessions(glia_daemon_t *d)
{
    json_t *list = it_get_json(d, 200, "/v1/sessions?limit=1000");
    int n = (int)json_array_size(json_object_get(list, "items"));
    json_decref(list);
    return n;
}

static char *names_in(const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    char *out = calloc(1, 4096);
    cr_assert_not_null(out);
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            strncat(out, ents[i]->d_name, 4095 - strlen(out) - 1);
            strncat(out, " ", 4095 - strlen(out));
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
    return out;
}

static int same_file(const char *path, const char *want, size_t want_len)
{
    size_t len;
    char *got = it_read_file(path, &len);
    int same = got != NULL && len == want_len && memcmp(got, want, len) == 0;
    free(got);
    return same;
}

/* Start on a damaged store: refused, the message says what to do, nothing changed. */
static void expect_refused_untouched(glia_daemon_t *d, const char *what)
{
    char db[400], wal[420], *db0, *wal0, *dir0, *dir1, *log;
    size_t db_len, wal_len = 0;
    int rc;

    snprintf(db, sizeof(db), "%s/glia.db", d->data_dir);
    snprintf(wal, sizeof(wal), "%s/glia.db-wal", d->data_dir);
    db0 = it_read_file(db, &db_len);
    wal0 = it_read_file(wal, &wal_len);
    dir0 = names_in(d->data_dir);
    unlink(d->log_path);
    rc = it_start_expect_exit(d, NULL, NULL, 30);
    cr_expect(rc > 0, "%s: gliad must refuse to start (exit non-zero), got %d", what, rc);
    log = it_read_file(d->log_path, NULL);
    cr_expect(log && strstr(log, "is damaged"), "%s: says the store is damaged:\n%s", what,
              log ? log : "");
    cr_expect(log && strstr(log, "PRAGMA integrity_check"), "%s: names PRAGMA integrity_check",
              what);
    cr_expect(log && strstr(log, "glia.db.damaged"), "%s: names the backup path", what);
    cr_expect(log && strstr(log, "--salvage"), "%s: names --salvage", what);
    cr_expect(same_file(db, db0, db_len), "%s: glia.db is byte for byte as it was", what);
    if (wal0 != NULL)
        cr_expect(same_file(wal, wal0, wal_len), "%s: glia.db-wal is byte for byte as it was",
                  what);
    dir1 = names_in(d->data_dir);
    cr_expect_str_eq(dir1, dir0, "%s: no file was added or removed", what);
    cr_log_info("%s: refused: %.600s", what, log ? log : "");
    free(log);
    free(dir0);
    free(dir1);
    free(db0);
    free(wal0);
}

/* Start with --salvage: it starts, backs the damaged files up unchanged, says what it lost. */
static void expect_salvaged(glia_daemon_t *d, const char *db0, size_t db_len, int before,
                            const char *what)
{
    char backup[420];
    json_t *v, *salvage;
    int after;

    it_restart(d, (const char *[]){"--salvage", NULL});
    v = it_get_json(d, 200, "/v1/version");
    salvage = json_object_get(v, "salvage");
    cr_assert(json_is_object(salvage), "%s: /v1/version reports the salvage", what);
    snprintf(backup, sizeof(backup), "%s/glia.db.damaged", d->data_dir);
    cr_expect_str_eq(json_string_value(json_object_get(salvage, "backup")), backup, "%s", what);
    cr_expect(strstr(json_string_value(json_object_get(salvage, "report")), "lost") != NULL,
              "%s: the report says what was lost", what);
    cr_expect(same_file(backup, db0, db_len), "%s: the backup is the damaged file, unchanged",
              what);
    cr_expect(it_log_contains(d, "--salvage:"), "%s: the log reports the salvage", what);
    after = count_sessions(d);
    cr_expect(after <= before, "%s: %d sessions after salvage, %d before", what, after, before);
    cr_log_info("%s: salvaged %d of %d sessions: %s", what, after, before,
                json_string_value(json_object_get(salvage, "report")));
    json_decref(v);
    it_expect_healthy(d, "salvage");
    it_create(d, "new", "control", 99); /* and it takes new work */
    cr_expect_eq(it_stop(d), 0);

    /* The rebuilt store is sound: it starts without --salvage, with what was salvaged. */
    it_restart(d, NULL);
    cr_expect_eq(count_sessions(d), after + 1, "%s: the salvaged store starts as it was", what);
    cr_expect_eq(it_stop(d), 0);
}

Test(store_damage, flipped_bytes_in_a_stopped_database_are_refused_then_salvaged, .timeout = 600)
{
    glia_daemon_t d;
    char db[400], *db0;
    size_t db_len;

    it_start(&d, NULL);
    d.keep_dir = 1;
    fill(&d, SESSIONS);
    cr_assert_eq(it_stop(&d), 0);
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);

    /* 200 bytes past the first page (page 1 holds the header and the schema: damage there is
     * "not a glia database", refused as before, and nothing can be salvaged from it). */
    flip_bytes(db, 4096, 200, 20260227);
    db0 = it_read_file(db, &db_len);
    expect_refused_untouched(&d, "200 flipped bytes");
    /* Refused again: the first refusal changed nothing that would let it pass. */
    expect_refused_untouched(&d, "200 flipped bytes, again");
    expect_salvaged(&d, db0, db_len, SESSIONS, "200 flipped bytes");
    free(db0);

    /* --salvage on a sound store: nothing to do, nothing changed. */
    it_restart(&d, (const char *[]){"--salvage", NULL});
    {
        json_t *v = it_get_json(&d, 200, "/v1/version");
        cr_expect_null(json_object_get(v, "salvage"), "a sound store is not salvaged");
        json_decref(v);
    }
    cr_expect(it_log_contains(&d, "not damaged"), "the log says there was nothing to salvage");
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

/* Sessions committed to the log only: kill -9 before any checkpoint. */
static void fill_and_kill(glia_daemon_t *d, char *wal, size_t size)
{
    struct stat sb;

    it_start(d, NULL);
    d->keep_dir = 1;
    fill(d, 10);
    it_kill(d);
    snprintf(wal, size, "%s/glia.db-wal", d->data_dir);
    cr_assert(stat(wal, &sb) == 0 && sb.st_size > 32 * 1024, "the log holds the sessions");
}

Test(store_damage, a_damaged_write_ahead_log_is_refused_then_salvaged, .timeout = 600)
{
    glia_daemon_t d;
    char wal[420], db[400], *db0;
    size_t db_len;

    struct stat sb;

    fill_and_kill(&d, wal, sizeof(wal));
    /* Damage in the second half of the frames: SQLite would stop reading the log at the
     * first bad frame and lose every transaction committed after it. */
    cr_assert_eq(stat(wal, &sb), 0);
    flip_bytes(wal, (size_t)sb.st_size / 2, 100, 42);
    expect_refused_untouched(&d, "a damaged log");
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    db0 = it_read_file(db, &db_len);
    expect_salvaged(&d, db0, db_len, 10, "a damaged log");
    {
        char bwal[440];
        snprintf(bwal, sizeof(bwal), "%s/glia.db.damaged-wal", d.data_dir);
        cr_expect(stat(bwal, &sb) == 0 && sb.st_size > 0, "the damaged log is kept too");
    }
    free(db0);
    it_cleanup(&d);
}

Test(store_damage, a_damaged_log_header_is_refused)
{
    glia_daemon_t d;
    char wal[420];
    size_t len;
    char *data;

    fill_and_kill(&d, wal, sizeof(wal));
    /* The header's checksum fails: SQLite would ignore the whole log. */
    data = it_read_file(wal, &len);
    cr_assert_not_null(data);
    data[17] = (char)(data[17] ^ 0x5a); /* a salt */
    cr_assert_eq(it_write_file(wal, data, len), 0);
    free(data);
    expect_refused_untouched(&d, "a damaged log header");
    it_cleanup(&d);
}

/* A salvage keeps the datasets that read: one uploaded and checkpointed into glia.db, then
 * sessions committed to the log only, whose damage --salvage repairs. (It rebuilt the store
 * without the datasets before.) */
Test(store_damage, a_salvage_keeps_the_datasets, .timeout = 600)
{
    static const char csv[] = "1,2,0\n3,4,1\n5,6,0\n7,8,1\n";
    glia_daemon_t d;
    char wal[420];
    struct stat sb;
    json_t *before, *after;
    it_resp_t r;

    it_start(&d, NULL);
    d.keep_dir = 1;
    r = it_request_h(&d, "POST", "/v1/datasets?name=tiny&format=csv", csv, sizeof(csv) - 1,
                     (const char *[]){"Content-Type: application/octet-stream", NULL});
    cr_assert_eq(r.status, 201, "upload: %ld %s", r.status, r.body);
    it_resp_free(&r);
    before = it_get_json(&d, 200, "/v1/datasets/tiny");
    cr_assert_eq(it_stop(&d), 0); /* a clean stop checkpoints it into glia.db */

    it_restart(&d, NULL);
    fill(&d, 10);
    it_kill(&d);
    snprintf(wal, sizeof(wal), "%s/glia.db-wal", d.data_dir);
    cr_assert(stat(wal, &sb) == 0 && sb.st_size > 32 * 1024, "the log holds the sessions");
    flip_bytes(wal, (size_t)sb.st_size / 2, 100, 7);

    it_restart(&d, (const char *[]){"--salvage", NULL});
    {
        json_t *v = it_get_json(&d, 200, "/v1/version");
        cr_assert(json_is_object(json_object_get(v, "salvage")), "the store was salvaged");
        json_decref(v);
    }
    after = it_get_json(&d, 200, "/v1/datasets/tiny");
    cr_expect_str_eq(json_string_value(json_object_get(after, "hash")),
                     json_string_value(json_object_get(before, "hash")),
                     "the dataset is there after the salvage, the same content");
    json_decref(before);
    json_decref(after);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}
