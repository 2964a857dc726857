/*
 * errors.c - how the shell shows a mistake.
 *
 *     script.sql:12:5: error: unknown option 'privcy_budget'
 *         privcy_budget = 0.5,
 *         ^
 *
 * Lines are 1-based; columns are 1-based byte counts on the line (a tab
 * counts one, a multi-byte UTF-8 character counts its bytes).  The caret
 * line copies the tabs of the source line and puts one space per other
 * character, so it lines up under the offending byte in a terminal.
 * Standard output is flushed first so that errors land in order when both
 * streams go to the same place.
 */
#include "shell.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void show_location(const HlSrc *src, long off, const char *kind)
{
    size_t o = (size_t)off > src->len ? src->len : (size_t)off;
    long line = src->line0;
    size_t bol = 0;
    for (size_t i = 0; i < o; i++)
        if (src->text[i] == '\n') {
            line++;
            bol = i + 1;
        }
    fprintf(stderr, "%s:%ld:%zu: %s: ", src->name, line, o - bol + 1, kind);
}

static void show_caret(const HlSrc *src, long off)
{
    size_t o = (size_t)off > src->len ? src->len : (size_t)off;
    size_t bol = o;
    while (bol > 0 && src->text[bol - 1] != '\n')
        bol--;
    size_t eol = bol;
    while (eol < src->len && src->text[eol] != '\n')
        eol++;
    if (eol > bol && src->text[eol - 1] == '\r')
        eol--;
    fwrite(src->text + bol, 1, eol - bol, stderr);
    fputc('\n', stderr);
    for (size_t i = bol; i < o && i < eol; i++) {
        unsigned char c = (unsigned char)src->text[i];
        if (c == '\t')
            fputc('\t', stderr);
        else if ((c & 0xC0) != 0x80)    /* one column per UTF-8 character */
            fputc(' ', stderr);
    }
    fputs("^\n", stderr);
}

void hl_note_at(const HlSrc *src, long off, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    show_location(src, off, "note");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    show_caret(src, off);
    fflush(stderr);
}

void hl_error_at(const HlSrc *src, long off, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    if (src && off >= 0)
        show_location(src, off, "error");
    else if (src)
        fprintf(stderr, "%s: error: ", src->name);
    else
        fprintf(stderr, "%s: error: ", HL_SHELL_NAME);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (src && off >= 0)
        show_caret(src, off);
    fflush(stderr);
}

void hl_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: error: ", HL_SHELL_NAME);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void hl_notice(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "NOTICE: %s\n", msg);
    fflush(stderr);
}

void hl_shell_fail(HlShell *sh)
{
    sh->failed = 1;
    if (sh->bail)
        sh->stop = 1;
}

/* Levenshtein distance, case-insensitive, two rows of memory. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev = hl_xmalloc((lb + 1) * sizeof *prev);
    size_t *cur = hl_xmalloc((lb + 1) * sizeof *cur);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = a[i - 1], cb = b[j - 1];
            if (ca >= 'A' && ca <= 'Z') ca += 'a' - 'A';
            if (cb >= 'A' && cb <= 'Z') cb += 'a' - 'A';
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

const char *hl_suggest(const char *word, const void *table, size_t nrows,
                       size_t rowsize)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    size_t wl = strlen(word);
    if (wl > 256)
        return NULL;
    for (size_t i = 0; i < nrows; i++) {
        const char *name = *(const char *const *)((const char *)table + i * rowsize);
        if (!name)
            continue;
        size_t d = edit_distance(word, name);
        if (d < bestd) {
            bestd = d;
            best = name;
        }
    }
    /* Close enough: about a third of the word may be wrong. */
    size_t limit = wl < 4 ? 1 : wl / 3 + 1;
    return bestd <= limit ? best : NULL;
}

static void out_of_memory(void)
{
    fputs(HL_SHELL_NAME ": out of memory\n", stderr);
    exit(1);
}

void *hl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *hl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

char *hl_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = hl_xmalloc(n);
    memcpy(p, s, n);
    return p;
}
