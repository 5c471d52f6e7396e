/* store_repair.h: finding damage in a stopped store, and salvaging what can be read
 * (store_repair.c). Internal to the store (store_sqlite.c). */
#ifndef GLIA_STORE_REPAIR_H
#define GLIA_STORE_REPAIR_H

#include <sqlite3.h>
#include <stddef.h>

/* Read the write-ahead log at `wal_path` frame by frame. 0: absent, empty or sound;
 * 1: damaged in a way that would lose committed transactions (`why` says where);
 * GLIA_EIO / GLIA_ENOMEM. */
int glia__wal_check(const char *wal_path, char *why, size_t size);

/* Where --salvage keeps a damaged store: <db>.damaged, or .damaged.1, ... (the first free). */
void glia__store_backup_path(const char *db_path, char *out, size_t size);

/* Creates a new, empty store of the current schema at `path` and returns its connection
 * open in *db: 0, or a negative code with `msg`. The store (store_sqlite.c) passes its own. */
typedef int (*glia_store_create_fn)(const char *path, sqlite3 **db, char *msg, size_t size);

/* Salvage the store at `db_path` (stopped, no connection open): back its files up, copy
 * every row that reads into a new store made by `create` and put it in place.
 * `wal_damage` (may be NULL or "") and `is_db_damaged` say what was found before. Returns 1
 * after salvaging (`report` says what was kept, what was lost and where the backup is), 0
 * when nothing was damaged (nothing changed), or a negative code (`report` says why; the
 * store is as it was). */
int glia__store_salvage(const char *db_path, const char *wal_damage, int is_db_damaged,
                        glia_store_create_fn create, char *report, size_t size, char *backup,
                        size_t backup_size);

#endif
