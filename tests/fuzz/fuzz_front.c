/*
 * fuzz_front.c - libFuzzer harness over the whole front end.
 *
 * Each input is a script: it is split, lexed, parsed, checked, rewritten
 * and run statement by statement against a fresh in-memory catalog, the way
 * helios-shell runs a file.  What it protects: no input crashes, hangs or
 * leaks, whatever it holds.  Files: ATTACH is disabled and the progress
 * handler stops runaway queries (recursive CTEs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "helios.h"

static int stop_runaway(void *arg)
{
    return ++*(int *)arg > 2000;    /* x 1000 VM steps */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    helios *h = NULL;
    if (helios_open(":memory:", &h) == HELIOS_OK) {
        sqlite3 *db = helios_sqlite(h);
        int ticks = 0;
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
        sqlite3_progress_handler(db, 1000, stop_runaway, &ticks);
        const char *p = text, *end = text + size;
        int guard = 0;
        (void)helios_complete(text, (int)size);
        while (p < end && guard++ < 200) {
            helios_stmt *st = NULL;
            const char *tail = end;
            int rc = helios_prepare(h, p, (int)(end - p), 0, &st, &tail);
            if (rc == HELIOS_OK && st) {
                int rows = 0;
                while (helios_step(st) == HELIOS_ROW && rows++ < 1000)
                    for (int i = 0; i < helios_column_count(st); i++)
                        (void)helios_column_text(st, i);
                (void)helios_stmt_tag(st);
                helios_finalize(st);
            }
            if (rc == HELIOS_OK && !st)
                break;
            if (tail <= p)      /* no progress: a bug, but not a crash */
                break;
            p = tail;
        }
    }
    helios_interrupt(h);        /* a training run may have started */
    helios_close(h);
    free(text);
    return 0;
}
