/*
 * input.c - from lines to statements and dot-commands.
 *
 * Scripts (-c, -f, a pipe, .read) are read whole and then fed line by
 * line; the terminal feeds the lines that readline returns.  Either way a
 * line goes through feed_line(): before a statement has begun, blank and
 * comment lines are skipped and a line whose first non-blank byte is '.'
 * is a dot-command (as in sqlite3, a dot-command is only recognized at the
 * start of a statement); otherwise the line joins the pending statement,
 * which runs as soon as helios_complete() says it is complete.  Whatever
 * is pending at the end of the input is run too, and the library reports
 * "incomplete input" if it is.
 *
 * The pending statement is one HlSrc whose first line number is known, so
 * errors point at lines of the original input.  On the terminal, lines are
 * numbered from the start of the session.
 */
#include "shell.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

typedef struct Feed {
    HlShell *sh;
    const char *name;       /* for errors: file name, "-c" or "<stdin>" */
    HlDbuf stmt;            /* the statement being collected */
    long line;              /* lines fed so far */
    long line0;             /* the line number of stmt's first line */
} Feed;

size_t hl_input_skip(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                         s[i] == '\r' || s[i] == '\f' || s[i] == '\v'))
            i++;
        if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < n && !(s[j] == '*' && s[j + 1] == '/'))
                j++;
            if (j + 1 >= n)
                return i;           /* an unfinished comment is not blank */
            i = j + 2;
        } else {
            return i;
        }
    }
}

static void feed_flush(Feed *f)
{
    HlSrc src = { f->name, hl_dbuf_str(&f->stmt), f->stmt.len, f->line0 };
    hl_exec_sql(f->sh, &src, 0, src.text, src.len, 0);
    hl_dbuf_reset(&f->stmt);
}

/* line[0..n) is one line, with its '\n' when it has one. */
static void feed_line(Feed *f, const char *line, size_t n)
{
    HlShell *sh = f->sh;
    if (sh->stop)
        return;
    f->line++;
    if (sh->echo) {
        fwrite(line, 1, n, stdout);
        if (n == 0 || line[n - 1] != '\n')
            putchar('\n');
    }
    if (f->stmt.len == 0) {
        if (hl_input_skip(line, n) == n)
            return;
        size_t j = 0;
        while (j < n && (line[j] == ' ' || line[j] == '\t'))
            j++;
        if (j < n && line[j] == '.') {
            size_t e = n;
            while (e > 0 && (line[e - 1] == '\n' || line[e - 1] == '\r'))
                e--;
            HlSrc src = { f->name, line, e, f->line };
            hl_dot_run(sh, &src);
            fflush(stdout);
            return;
        }
        f->line0 = f->line;
    }
    if (hl_dbuf_add(&f->stmt, line, n) != 0) {
        HlSrc src = { f->name, line, n, f->line };
        hl_error_at(&src, 0, "statement too long (more than %zu bytes)", f->stmt.cap);
        hl_shell_fail(sh);
        hl_dbuf_reset(&f->stmt);
        return;
    }
    if (hl_input_skip(f->stmt.buf, f->stmt.len) == f->stmt.len) {
        hl_dbuf_reset(&f->stmt);    /* a comment that ended: nothing begun */
        return;
    }
    if (memchr(line, ';', n) && helios_complete(f->stmt.buf, (int)f->stmt.len))
        feed_flush(f);
}

static void feed_end(Feed *f)
{
    if (f->stmt.len && !f->sh->stop)
        feed_flush(f);
    hl_dbuf_free(&f->stmt);
}

int hl_input_text(HlShell *sh, const char *name, const char *text, size_t len)
{
    Feed f = { sh, name, HL_DBUF_INIT(HL_MAX_SCRIPT), 0, 0 };
    int failed0 = sh->failed;
    sh->failed = 0;
    size_t pos = 0;
    while (pos < len && !sh->stop) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        feed_line(&f, text + pos, n);
        pos += n;
    }
    feed_end(&f);
    int rc = sh->failed ? -1 : 0;
    sh->failed |= failed0;
    return rc;
}

int hl_read_all(const char *path, HlDbuf *out)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return -1;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (hl_dbuf_add(out, chunk, n) != 0) {
            errno = EFBIG;
            rc = -1;
            break;
        }
    if (rc == 0 && ferror(fp)) {
        rc = -1;
        if (!errno)
            errno = EIO;
    }
    if (fp != stdin)
        fclose(fp);
    return rc;
}

int hl_input_file(HlShell *sh, const char *path, const char *displayname)
{
    HlDbuf text = HL_DBUF_INIT(HL_MAX_SCRIPT);
    const char *name = displayname ? displayname
                     : strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (hl_read_all(path, &text) != 0) {
        hl_error("cannot read '%s': %s", path, strerror(errno));
        hl_dbuf_free(&text);
        hl_shell_fail(sh);
        return -1;
    }
    int rc = hl_input_text(sh, name, hl_dbuf_str(&text), text.len);
    hl_dbuf_free(&text);
    return rc;
}

/* ---- the terminal ---- */

static volatile sig_atomic_t g_sigint, g_sigwinch;
static char *g_line;
static int g_line_ready;

static void on_sigint(int sig)
{
    (void)sig;
    g_sigint = 1;
    hl_exec_interrupt();
}

static void on_sigwinch(int sig)
{
    (void)sig;
    g_sigwinch = 1;
}

static void on_line(char *line)
{
    g_line = line;
    g_line_ready = 1;
    rl_callback_handler_remove();
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                /* no SA_RESTART: select() must wake */
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_sigwinch;
    sigaction(SIGWINCH, &sa, NULL);
}

/* Wait for one line from readline.  Returns 1 with g_line set (NULL at
 * end of input), or 0 when Ctrl-C threw away what was being typed. */
static int read_one_line(const char *prompt)
{
    g_line = NULL;
    g_line_ready = 0;
    rl_callback_handler_install(prompt, on_line);
    while (!g_line_ready) {
        if (g_sigwinch) {
            g_sigwinch = 0;
            rl_resize_terminal();
        }
        if (g_sigint) {
            g_sigint = 0;
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_replace_line("", 0);
            rl_callback_handler_remove();
            fputc('\n', stdout);
            fflush(stdout);
            return 0;
        }
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        int r = select(STDIN_FILENO + 1, &fds, NULL, NULL, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rl_callback_handler_remove();
            return 1;               /* g_line NULL: treat as end of input */
        }
        rl_callback_read_char();
    }
    return 1;
}

int hl_input_repl(HlShell *sh, const char *histfile)
{
    Feed f = { sh, "<stdin>", HL_DBUF_INIT(HL_MAX_SCRIPT), 0, 0 };
    HlDbuf line = HL_DBUF_INIT(HL_MAX_SCRIPT);

    rl_readline_name = "helios";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    hl_complete_setup(sh, &f.stmt);
    using_history();
    stifle_history(2000);
    if (histfile)
        read_history(histfile);
    install_signals();

    printf("%s %s; type .help for help\n", HL_SHELL_NAME, helios_version());
    fflush(stdout);
    while (!sh->stop) {
        if (!read_one_line(f.stmt.len ? "   ...> " : "helios> ")) {
            hl_dbuf_reset(&f.stmt);         /* Ctrl-C: forget the statement */
            continue;
        }
        if (!g_line) {
            fputc('\n', stdout);            /* Ctrl-D */
            break;
        }
        if (*g_line)
            add_history(g_line);
        hl_dbuf_reset(&line);
        if (hl_dbuf_adds(&line, g_line) != 0 || hl_dbuf_addc(&line, '\n') != 0) {
            hl_error("line too long");
            hl_shell_fail(sh);
        } else {
            feed_line(&f, line.buf, line.len);
        }
        free(g_line);
        g_line = NULL;
        g_sigint = 0;                       /* a Ctrl-C that interrupted a statement */
    }
    feed_end(&f);
    hl_dbuf_free(&line);
    if (histfile && write_history(histfile) != 0)
        hl_error("cannot write history to '%s'", histfile);
    return 0;
}
