/*
 * db_helpers.h - what the catalog tests share: a scratch database file per
 * test (path, db_fresh, db_remove) and a query's rows as text (db_rows).
 * Included by test_catalog.c, test_runs.c and test_views.c only.
 */
#ifndef HL_DB_HELPERS_H
#define HL_DB_HELPERS_H

#include <stdio.h>
#include <unistd.h>
#include <sqlite3.h>

static char path[64];

/* Removes the scratch database and its WAL, shared-memory and journal files. */
static inline void db_remove(void)
{
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* A fresh scratch path: /tmp/hl_test_<prefix>_<tag>_<pid>.db, removed. */
static inline void db_fresh(const char *prefix, const char *tag)
{
    snprintf(path, sizeof path, "/tmp/hl_test_%s_%s_%d.db", prefix, tag, (int)getpid());
    db_remove();
}

/* All rows of a query as text: columns joined by '|', rows by '\n', NULL
 * as "NULL"; or "ERROR: message", or "TOO LONG".  Static buffer. */
static inline const char *db_rows(sqlite3 *db, const char *sql)
{
    static char buf[32768];
    sqlite3_stmt *q = NULL;
    size_t len = 0;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(buf, sizeof buf, "ERROR: %s", sqlite3_errmsg(db));
        return buf;
    }
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && len < sizeof buf) {
        for (int i = 0; i < sqlite3_column_count(q) && len < sizeof buf; i++) {
            const char *t = (const char *)sqlite3_column_text(q, i);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "|" : "",
                                    t ? t : "NULL");
        }
        if (len < sizeof buf)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "\n");
    }
    if (len >= sizeof buf)
        snprintf(buf, sizeof buf, "TOO LONG");
    else if (rc != SQLITE_DONE)
        snprintf(buf, sizeof buf, "ERROR: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return buf;
}

#endif
