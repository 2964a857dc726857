/*
 * shell.h - what the modules of helios-shell share.
 *
 * helios-shell reaches the engine only through helios.h (and, for the
 * dot-commands that list user tables or import CSV, the SQLite connection
 * that helios_sqlite() hands out).  Modules:
 *
 *   main.c      options, the shell's state, startup and exit status
 *   input.c     lines -> statements and dot-commands; scripts and the REPL
 *   exec.c      prepare/step/finalize over a piece of text, with timing
 *   output.c    output modes, one table row each
 *   dot.c       dot-commands, one table row each (also .help)
 *   import.c    .import: RFC 4180 CSV into a new or existing table
 *   complete.c  readline tab completion
 *   errors.c    `file:line:col: error:` with the source line and a caret
 *   dynbuf.c    capped growing buffers for everything read from input
 *
 * Nothing here is thread-safe; the shell is one thread.
 */
#ifndef HL_SHELL_H
#define HL_SHELL_H

#include <stddef.h>
#include <stdio.h>

#include "helios.h"
#include "dynbuf.h"

#define HL_SHELL_NAME "helios-shell"

/* The most one script, one statement or one CSV field may hold. */
#define HL_MAX_SCRIPT  ((size_t)1 << 30)
#define HL_MAX_FIELD   ((size_t)64 << 20)
#define HL_MAX_READ_DEPTH 32

/* A piece of source text that error offsets point into.  text always
 * starts at the beginning of a line, so line and column follow from
 * line0 and the bytes before an offset. */
typedef struct HlSrc {
    const char *name;       /* file name, "-c" or "<stdin>" */
    const char *text;       /* not owned */
    size_t len;
    long line0;             /* 1-based line number of text[0] */
} HlSrc;

struct HlMode;

typedef struct HlShell {
    helios *h;                      /* owned; never NULL after startup */
    char *dbpath;                   /* owned */
    const struct HlMode *mode;
    int header;                     /* -1: the mode's default; 0 off; 1 on */
    int timer;
    int bail;                       /* stop at the first error */
    int check;                      /* -n: prepare with HELIOS_PREPARE_CHECK only */
    int echo;                       /* -e: echo input lines as read */
    int interactive;                /* reading a terminal with readline */
    int failed;                     /* something failed: exit status 1 */
    int stop;                       /* stop reading: .quit, or --bail tripped */
    int depth;                      /* .read nesting */
} HlShell;

/* exec.c: the shell is closing h and waits for its training runs; from
 * now on Ctrl-C asks them to stop. */
void hl_exec_exiting(helios *h);

/* exec.c: the training progress line, on a terminal (call after opening) */
void hl_exec_progress_attach(HlShell *sh);

/* ---- errors.c ---- */

/* Print `src:line:col: error: message`, the source line and a caret under
 * src->text[off] on stderr.  off < 0 or src NULL: no location. */
void hl_note_at(const HlSrc *src, long off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hl_error_at(const HlSrc *src, long off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* `helios-shell: error: message` for problems outside any source text. */
void hl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hl_notice(const char *msg);
/* Record a failure: exit status 1, and with --bail stop reading. */
void hl_shell_fail(HlShell *sh);
/* The row of a table (each row begins with its `const char *name`) whose
 * name is nearest to word, for "did you mean"; NULL when none is close. */
const char *hl_suggest(const char *word, const void *table, size_t nrows,
                       size_t rowsize);
/* Allocation that cannot fail: on exhaustion the shell says so and exits. */
void *hl_xmalloc(size_t n);
void *hl_xrealloc(void *p, size_t n);
char *hl_xstrdup(const char *s);

/* ---- output.c ---- */

typedef enum HlOutEvent { HL_OUT_BEGIN, HL_OUT_ROW, HL_OUT_END } HlOutEvent;

/* The state of one statement's output.  Mode functions read names and the
 * current row; columnar modes keep rows in cells until HL_OUT_END. */
typedef struct HlOut {
    const struct HlMode *mode;  /* fixed for the statement */
    FILE *f;
    int header;             /* resolved: print column names */
    int ncol;
    char **names;           /* owned, ncol entries */
    const char **vals;      /* current row; NULL for SQL NULL; not owned */
    int *types;             /* current row's HELIOS_* types */
    char **cells;           /* kept rows (owned strings, NULL = SQL NULL) */
    int *ctypes;
    size_t nrows, caprows;
    long rowno;             /* rows seen so far */
} HlOut;

typedef struct HlMode {
    const char *name;
    void (*fn)(HlOut *o, HlOutEvent ev);
    const char *help;
    int header;             /* header default when neither --header nor --no-header */
} HlMode;

extern const HlMode hl_modes[];
extern const size_t hl_nmodes;
const HlMode *hl_mode_find(const char *name);
/* Start the output of st (which has columns); hl_out_end frees it all. */
void hl_out_begin(HlOut *o, const HlShell *sh, helios_stmt *st);
void hl_out_row(HlOut *o, helios_stmt *st);
void hl_out_end(HlOut *o);

/* ---- exec.c ---- */

/* Run every statement of sql[0..len).  Normally sql is src->text + base,
 * and error offsets are mapped into src.  synthetic: sql was made up by a
 * dot-command at src offset base, and errors point there instead.
 * Returns 0 when everything ran, -1 when something failed. */
int hl_exec_sql(HlShell *sh, const HlSrc *src, size_t base, const char *sql,
                size_t len, int synthetic);
/* Interrupt what runs (SIGINT while a statement executes). */
void hl_exec_interrupt(void);
double hl_now_ms(void);

/* ---- input.c ---- */

/* Run a whole script held in memory, line by line. */
int hl_input_text(HlShell *sh, const char *name, const char *text, size_t len);
/* Read a file ("-": standard input) whole, then run it.  displayname NULL:
 * the path ("<stdin>" for "-").  Failure to read is reported and counts. */
int hl_input_file(HlShell *sh, const char *path, const char *displayname);
/* Append the whole file ("-": standard input) to out; -1 with errno set
 * when it cannot be read or passes out's cap. */
int hl_read_all(const char *path, HlDbuf *out);
/* The interactive loop on a terminal. */
int hl_input_repl(HlShell *sh, const char *histfile);
/* The index of the first byte of s[0..n) that is not a blank or part of a
 * complete comment (n when there is none). */
size_t hl_input_skip(const char *s, size_t n);

/* ---- dot.c ---- */

/* Run the dot-command that src->text (one line) holds. */
void hl_dot_run(HlShell *sh, const HlSrc *src);
/* Names of the dot-commands, for completion: NULL past the end. */
const char *hl_dot_name(size_t i);
/* Replace the connection by one to path; 0 on success.  On failure the
 * old connection stays, and the error is shown at src/off (src may be
 * NULL). */
int hl_shell_open(HlShell *sh, const char *path, const HlSrc *src, long off);

/* ---- import.c ---- */

/* .import: the CSV file at path into table.  src/off_file/off_table locate
 * the arguments for errors that are not about the file's contents. */
int hl_import_csv(HlShell *sh, const HlSrc *src, long off_file, long off_table,
                  const char *path, const char *table);

/* ---- complete.c ---- */

/* Install tab completion; pending is the statement typed so far. */
void hl_complete_setup(HlShell *sh, const HlDbuf *pending);

#endif
