/*
 * exec.c - run the statements of a piece of text through helios.
 *
 * The loop is helios_prepare(..., &tail) / helios_step / helios_finalize.
 * Offsets that the library reports are relative to the text handed to
 * helios_prepare; they are moved by the statement's position (and the
 * piece's position in its source) so that an error points into the file
 * the user wrote.  After an error the loop resumes at the next statement
 * boundary (the first ';' that helios_complete() says ends a statement),
 * unless --bail stopped the shell.
 */
#include "shell.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t g_running;
static helios *volatile g_h;

static volatile sig_atomic_t g_exiting;

void hl_exec_exiting(helios *h)
{
    g_h = h;
    g_exiting = 1;
}

void hl_exec_interrupt(void)
{
    /* At exit, waiting for training: Ctrl-C stops the runs. */
    if (g_exiting && g_h) {
        helios_interrupt(g_h);
        return;
    }
    /* helios_cancel only sets a flag and calls sqlite3_interrupt, which is
     * safe from a signal handler. */
    if (g_running && g_h)
        helios_cancel(g_h);
}

/* ---- the training progress line ---------------------------------------------
 * On a terminal, while a statement runs (typically wait_for_convergence()),
 * each committed round rewrites one status line on stderr.  At the prompt
 * nothing is written: the line being typed is never touched. */
static pthread_mutex_t g_progress_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_progress_shown;

static void on_progress(void *arg, const char *model, int round, int rounds, double loss,
                        double accuracy, double eta)
{
    (void)arg;
    static double last;         /* under g_progress_mu: runs report from their threads */
    if (!g_running)
        return;
    char acc[32] = "";
    if (accuracy == accuracy)   /* not NaN */
        snprintf(acc, sizeof acc, ", accuracy %.4f", accuracy);
    pthread_mutex_lock(&g_progress_mu);
    double now = hl_now_ms();
    if (round < rounds && now - last < 100) {   /* ten lines a second at most */
        pthread_mutex_unlock(&g_progress_mu);
        return;
    }
    last = now;
    fprintf(stderr, "\r\033[K%s: round %d/%d, loss %.4f%s, %.0f s left", model, round, rounds,
            loss, acc, eta > 0 ? eta : 0);
    fflush(stderr);
    g_progress_shown = 1;
    pthread_mutex_unlock(&g_progress_mu);
}

/* Erases the progress line, if one is shown, before other output. */
static void progress_clear(void)
{
    pthread_mutex_lock(&g_progress_mu);
    if (g_progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        g_progress_shown = 0;
    }
    pthread_mutex_unlock(&g_progress_mu);
}

void hl_exec_progress_attach(HlShell *sh)
{
    if (sh->interactive && isatty(STDERR_FILENO))
        helios_set_progress(sh->h, on_progress, NULL);
}

double hl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Where a located problem is shown: inside sql, or (synthetic) at the
 * dot-command that made sql up. */
typedef struct Where {
    const HlSrc *src;
    size_t base;
    int synthetic;
} Where;

static void show_error(const Where *w, size_t off, const char *msg)
{
    hl_error_at(w->src, (long)(w->synthetic ? w->base : w->base + off), "%s", msg);
}

/* The library's note on a related place ("the '(' opened here"), if any;
 * its offset is relative to pos, like the error's. */
static void show_note(HlShell *sh, const Where *w, size_t pos)
{
    int lo = -1;
    const char *note = helios_errnote(sh->h, &lo);
    if (note && lo >= 0 && !w->synthetic)
        hl_note_at(w->src, (long)(w->base + pos + (size_t)lo), "%s", note);
}

/* End of the last thing that is not white space, for "incomplete input". */
static size_t end_of_text(const char *sql, size_t pos, size_t len)
{
    size_t e = len;
    while (e > pos && (sql[e - 1] == ' ' || sql[e - 1] == '\t' ||
                       sql[e - 1] == '\n' || sql[e - 1] == '\r' ||
                       sql[e - 1] == '\f' || sql[e - 1] == '\v'))
        e--;
    return e;
}

/* The position after the ';' that ends the statement starting at pos, or
 * 0 when no complete statement remains. */
static size_t next_statement(const char *sql, size_t pos, size_t len)
{
    for (size_t i = pos; i < len; i++)
        if (sql[i] == ';' && helios_complete(sql + pos, (int)(i - pos + 1)))
            return i + 1;
    return 0;
}

static void show_prepare_error(HlShell *sh, const Where *w, const char *sql,
                               size_t pos, size_t len, int rc)
{
    const char *msg = helios_errmsg(sh->h);
    size_t off;
    int lo = helios_erroffset(sh->h);
    if (lo >= 0 && (size_t)lo <= len - pos)
        off = pos + (size_t)lo;     /* incomplete input: where it stops, or the unclosed string */
    else if (rc == HELIOS_INCOMPLETE)
        off = end_of_text(sql, pos, len);
    else
        off = pos + hl_input_skip(sql + pos, len - pos);
    show_error(w, off, msg && *msg ? msg : "unknown error");
    show_note(sh, w, pos);
}

/* Step st to the end, printing its rows; 0 when it succeeded. */
static int run_stmt(HlShell *sh, const Where *w, helios_stmt *st, size_t pos)
{
    HlOut o;
    int begun = 0, rc;

    g_h = sh->h;
    g_running = 1;
    while ((rc = helios_step(st)) == HELIOS_ROW) {
        if (!begun) {
            progress_clear();
            hl_out_begin(&o, sh, st);
            begun = 1;
        }
        hl_out_row(&o, st);
    }
    g_running = 0;
    progress_clear();
    /* The notice first, as psql shows notices before the result. */
    const char *notice = helios_stmt_notice(st);
    if (notice && *notice)
        hl_notice(notice);
    if (rc == HELIOS_DONE && !begun && helios_column_count(st) > 0) {
        hl_out_begin(&o, sh, st);   /* no rows: a header, or [] in json */
        begun = 1;
    }
    if (begun)
        hl_out_end(&o);             /* what was printed stays printed */

    if (rc != HELIOS_DONE) {
        const char *msg = helios_errmsg(sh->h);
        int lo = helios_erroffset(sh->h);
        size_t off = lo >= 0 ? pos + (size_t)lo
                             : pos + (size_t)(helios_stmt_offset(st) > 0 ? helios_stmt_offset(st) : 0);
        show_error(w, off, msg && *msg ? msg : "unknown error");
    } else if (!begun) {
        const char *tag = helios_stmt_tag(st);
        if (tag && *tag)
            printf("%s\n", tag);
    }
    fflush(stdout);
    return rc == HELIOS_DONE ? 0 : -1;
}

int hl_exec_sql(HlShell *sh, const HlSrc *src, size_t base, const char *sql,
                size_t len, int synthetic)
{
    Where w = { src, base, synthetic };
    size_t pos = 0;
    int result = 0;

    while (pos < len && !sh->stop) {
        helios_stmt *st = NULL;
        const char *tail = NULL;
        if (len - pos > INT_MAX) {
            show_error(&w, pos, "statement too long");
            hl_shell_fail(sh);
            return -1;
        }
        double t0 = hl_now_ms();
        int rc = helios_prepare(sh->h, sql + pos, (int)(len - pos),
                                sh->check ? HELIOS_PREPARE_CHECK : 0, &st, &tail);
        if (rc != HELIOS_OK) {
            helios_finalize(st);
            show_prepare_error(sh, &w, sql, pos, len, rc);
            hl_shell_fail(sh);
            result = -1;
            size_t next = rc == HELIOS_INCOMPLETE ? 0 : next_statement(sql, pos, len);
            if (!next)
                break;
            pos = next;
            continue;
        }
        if (!st)
            break;                  /* only blanks and comments were left */
        size_t end = tail && tail > sql + pos && tail <= sql + len
                   ? (size_t)(tail - sql) : len;
        if (!sh->check) {
            if (run_stmt(sh, &w, st, pos) != 0) {
                hl_shell_fail(sh);
                result = -1;
            }
            if (sh->timer)
                printf("Time: %.3f ms\n", hl_now_ms() - t0);
        }
        helios_finalize(st);
        pos = end;
    }
    fflush(stdout);
    return result;
}
