/*
 * helios.h - the public C API of libhelios.
 *
 * A `helios` handle is one connection to a catalog: an SQLite database file
 * that holds the federated catalog (workspaces, nodes, models, ...) next to
 * the user's own tables.  Text is run one statement at a time, as with
 * sqlite3_prepare/step/finalize:
 *
 *     helios *h; helios_open("cat.db", &h);
 *     const char *tail = sql;
 *     while (*tail) {
 *         helios_stmt *st;
 *         int rc = helios_prepare(h, tail, -1, 0, &st, &tail);
 *         if (rc != HELIOS_OK) { report helios_errmsg(h), helios_erroffset(h); break; }
 *         if (!st) break;                      (only comments or blanks left)
 *         while ((rc = helios_step(st)) == HELIOS_ROW) { read columns }
 *         helios_finalize(st);
 *     }
 *
 * Federated statements (CREATE FEDERATED WORKSPACE, ...) are parsed by the
 * helios grammar; every other statement is plain SQL for SQLite, rewritten
 * first (`name => expr` arguments, `f(...) AS (col TYPE, ...)`, NOW(),
 * INTERVAL).  Error offsets are byte offsets into the text given to
 * helios_prepare (its `sql` argument), or -1 when no location is known.
 */
#ifndef HELIOS_H
#define HELIOS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct helios helios;
typedef struct helios_stmt helios_stmt;

/* Result and error codes. */
#define HELIOS_OK          0
#define HELIOS_ERROR       1   /* generic failure (SQLite errors included) */
#define HELIOS_SYNTAX      2   /* the text does not parse */
#define HELIOS_INCOMPLETE  3   /* the text ends inside a statement */
#define HELIOS_NOTFOUND    4   /* a named object does not exist */
#define HELIOS_EXISTS      5   /* a named object already exists */
#define HELIOS_OPTION      6   /* a bad option: name, type, range, conflict */
#define HELIOS_NOTIMPL     7   /* accepted but not implemented yet */
#define HELIOS_NOMEM       8
#define HELIOS_IO          9   /* a file could not be read or written */
#define HELIOS_MISUSE     10   /* API misuse */
#define HELIOS_ROW       100   /* helios_step: a row is ready */
#define HELIOS_DONE      101   /* helios_step: the statement has finished */

/* Column types, the same values as SQLite's. */
#define HELIOS_INTEGER 1
#define HELIOS_FLOAT   2
#define HELIOS_TEXT    3
#define HELIOS_BLOB    4
#define HELIOS_NULL    5

/* helios_prepare flags. */
#define HELIOS_PREPARE_CHECK 0x01  /* parse and check only; step does nothing */

const char *helios_version(void);

/* Open (creating when missing) the catalog at `path` (":memory:" for a
 * temporary one).  *out is always set, even on failure, so that
 * helios_errmsg() can say why; close it with helios_close(). */
int helios_open(const char *path, helios **out);
int helios_close(helios *h);                 /* accepts NULL */

/* Prepare the first statement of sql[0..len) (len < 0: up to the NUL).
 * *out is NULL when the text holds only blanks and comments.  *tail (may be
 * NULL) is set past the statement and its ';'. */
int helios_prepare(helios *h, const char *sql, int len, int flags,
                   helios_stmt **out, const char **tail);
int helios_step(helios_stmt *st);            /* HELIOS_ROW, HELIOS_DONE or an error */
int helios_finalize(helios_stmt *st);        /* accepts NULL */

int helios_column_count(helios_stmt *st);
const char *helios_column_name(helios_stmt *st, int i);
int helios_column_type(helios_stmt *st, int i);
const char *helios_column_text(helios_stmt *st, int i);   /* NULL for SQL NULL */
double helios_column_double(helios_stmt *st, int i);
long long helios_column_int64(helios_stmt *st, int i);
int helios_stmt_is_federated(helios_stmt *st);
/* After a federated statement without result rows has run: its command tag
 * for the shell to print ("CREATE FEDERATED WORKSPACE"), else NULL. */
const char *helios_stmt_tag(helios_stmt *st);
/* After helios_step: a notice worth showing the user (e.g. "federated
 * workspace 'x' already exists, skipping"), or NULL. */
const char *helios_stmt_notice(helios_stmt *st);
/* Byte offsets of the statement inside the text given to helios_prepare. */
int helios_stmt_offset(helios_stmt *st);
int helios_stmt_length(helios_stmt *st);

/* The last error of the handle. */
int helios_errcode(helios *h);
const char *helios_errmsg(helios *h);
int helios_erroffset(helios *h);
/* A note on a related place of the last error ("the '(' opened here"), or
 * NULL; *offset (may be NULL) gets its byte offset, as helios_erroffset(). */
const char *helios_errnote(helios *h, int *offset);

/* 1 when sql[0..len) ends with a complete statement (outside strings,
 * comments and $$ bodies, ended by ';'), else 0. */
int helios_complete(const char *sql, int len);

/* Number of changes a federated or plain statement made (for the shell). */
int helios_changes(helios *h);

/* Called by the training engine after each committed round, on the
 * engine's thread: the model, the round and the rounds planned, the global
 * loss, the accuracy (NaN when not measured that round) and an estimate of
 * the seconds left. */
typedef void (*helios_progress_fn)(void *arg, const char *model, int round, int rounds,
                                   double loss, double accuracy, double eta_seconds);
void helios_set_progress(helios *h, helios_progress_fn fn, void *arg);

/* Cancels the statement that is running (from another thread or a signal
 * handler: it only sets a flag and calls sqlite3_interrupt()): a query
 * stops with "interrupted", wait_for_convergence() stops waiting.  Training
 * runs go on. */
void helios_cancel(helios *h);

/* How many training runs of the handle are going on. */
int helios_running(helios *h);

/* Asks every training run of the handle to stop after its current round
 * (their status becomes 'stopped'); helios_close() then returns as soon as
 * they have. */
void helios_interrupt(helios *h);

/* The underlying SQLite connection (owned by h), for the shell's
 * dot-commands.  Declared as void * so that this header stands alone. */
void *helios_sqlite(helios *h);

/* The message of the last SQLite error on helios_sqlite(h): when the
 * catalog's protection refused the statement, why ("table 'hl_node'
 * belongs to the helios catalog; ..."), not SQLite's "not authorized". */
const char *helios_sqlite_errmsg(helios *h);

/* Name of the workspace that statements without IN WORKSPACE use, or NULL. */
const char *helios_current_workspace(helios *h);

/* The names of every option of every object kind (workspace, node, model,
 * training run), for the shell's tab completion: a static NULL-terminated
 * array, each name once. */
const char *const *helios_option_names(void);

#ifdef __cplusplus
}
#endif
#endif
