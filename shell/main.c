/*
 * main.c - helios-shell: options, startup, exit status.
 *
 *     helios-shell [OPTIONS] [PATH]
 *
 * PATH is the catalog (an SQLite database file; ":memory:" for a
 * temporary one).  Without it: $HELIOS_DB, else
 * $XDG_DATA_HOME/helios/helios.db (~/.local/share/helios/helios.db), whose
 * directory is created.  -c and -f run in the order given and then the
 * shell exits; without them a terminal gets the interactive loop and
 * anything else is read whole as a script.
 *
 * The output mode defaults to "table" (with column names) when standard
 * output is a terminal, as psql does, and to "list" ('|'-separated, no
 * column names) otherwise, as sqlite3 does, so that scripts get plain rows.
 *
 * Exit status: 0 when everything ran, 1 when any statement or command
 * failed (or the catalog could not be opened), 2 for a usage error.
 */
#include "shell.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct Action {
    char kind;                  /* 'c' or 'f' */
    const char *arg;
} Action;

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: %s [OPTIONS] [PATH]\n"
        "SQL shell of helios, the SQL-native federated learning engine.\n"
        "\n"
        "PATH is the catalog database (\":memory:\" for a temporary one); default\n"
        "$HELIOS_DB, else $XDG_DATA_HOME/helios/helios.db (~/.local/share/helios/helios.db).\n"
        "\n"
        "  -c SQL             run SQL (statements or one dot-command), then exit; repeatable\n"
        "  -f FILE            run the script FILE (\"-\": standard input), then exit; repeatable\n"
        "      --bail         stop at the first error\n"
        "  -n, --syntax-check parse and check every statement, execute nothing\n"
        "  -e, --echo         echo the input before its output\n"
        "      --header       show column names\n"
        "      --no-header    do not show column names\n",
        HL_SHELL_NAME);
    for (size_t i = 0; i < hl_nmodes; i++)
        fprintf(f, "      --%-12s output mode: %s\n", hl_modes[i].name, hl_modes[i].help);
    fprintf(f,
        "      --version      print the version and exit\n"
        "  -h, --help         print this help and exit\n"
        "\n"
        "On a terminal: line editing, history in ~/.helios_history ($HELIOS_HISTFILE),\n"
        "tab completion; type .help for the dot-commands.\n"
        "Exit status: 0 when everything ran, 1 when a statement failed, 2 for usage errors.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: error: ", HL_SHELL_NAME);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", HL_SHELL_NAME);
    return 2;
}

static const char *home_dir(void)
{
    const char *h = getenv("HOME");
    if (h && *h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : NULL;
}

/* mkdir -p for the directories of path; 0 on success. */
static int make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* The default catalog path (owned by the caller), its directory created. */
static char *default_db(void)
{
    const char *env = getenv("HELIOS_DB");
    if (env && *env)
        return hl_xstrdup(env);
    HlDbuf b = HL_DBUF_INIT(1 << 16);
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = home_dir();
    if (xdg && xdg[0] == '/')               /* relative values are to be ignored */
        hl_dbuf_printf(&b, "%s/helios/helios.db", xdg);
    else if (home)
        hl_dbuf_printf(&b, "%s/.local/share/helios/helios.db", home);
    else
        hl_dbuf_adds(&b, "helios.db");
    if (b.len && make_parents(b.buf) != 0)
        hl_error("cannot create the directory of '%s': %s", b.buf, strerror(errno));
    char *path = hl_xstrdup(hl_dbuf_str(&b));
    hl_dbuf_free(&b);
    return path;
}

static char *history_file(void)
{
    const char *env = getenv("HELIOS_HISTFILE");
    if (env)
        return *env ? hl_xstrdup(env) : NULL;   /* empty: no history */
    const char *home = home_dir();
    if (!home)
        return NULL;
    HlDbuf b = HL_DBUF_INIT(1 << 16);
    hl_dbuf_printf(&b, "%s/.helios_history", home);
    char *path = b.len ? hl_xstrdup(b.buf) : NULL;
    hl_dbuf_free(&b);
    return path;
}

enum { OPT_BAIL = 256, OPT_HEADER, OPT_NO_HEADER, OPT_VERSION, OPT_MODE };

static struct option *long_options(void)
{
    static const struct option fixed[] = {
        { "bail",         no_argument, NULL, OPT_BAIL },
        { "syntax-check", no_argument, NULL, 'n' },
        { "echo",         no_argument, NULL, 'e' },
        { "header",       no_argument, NULL, OPT_HEADER },
        { "headers",      no_argument, NULL, OPT_HEADER },
        { "no-header",    no_argument, NULL, OPT_NO_HEADER },
        { "no-headers",   no_argument, NULL, OPT_NO_HEADER },
        { "version",      no_argument, NULL, OPT_VERSION },
        { "help",         no_argument, NULL, 'h' },
    };
    size_t nf = sizeof fixed / sizeof fixed[0];
    struct option *o = hl_xmalloc((nf + hl_nmodes + 1) * sizeof *o);
    memcpy(o, fixed, sizeof fixed);
    for (size_t i = 0; i < hl_nmodes; i++)      /* one option per output mode */
        o[nf + i] = (struct option){ hl_modes[i].name, no_argument, NULL, OPT_MODE + (int)i };
    o[nf + hl_nmodes] = (struct option){ NULL, 0, NULL, 0 };
    return o;
}

/* Parse argv into sh, actions and the path; returns -1 to go on, else an
 * exit status. */
static int parse_args(int argc, char **argv, HlShell *sh, Action *acts,
                      int *nacts, const char **path)
{
    struct option *lo = long_options();
    int c, rc = -1;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, ":c:f:neh", lo, NULL)) != -1) {
        switch (c) {
        case 'c':
        case 'f':
            acts[(*nacts)++] = (Action){ (char)c, optarg };
            break;
        case 'n': sh->check = 1; break;
        case 'e': sh->echo = 1; break;
        case OPT_BAIL: sh->bail = 1; break;
        case OPT_HEADER: sh->header = 1; break;
        case OPT_NO_HEADER: sh->header = 0; break;
        case 'h':
            usage(stdout);
            rc = 0;
            break;
        case OPT_VERSION:
            printf("%s %s\n", HL_SHELL_NAME, helios_version());
            rc = 0;
            break;
        case ':':
            if (optopt > 0 && optopt < 256) {
                char opt[3] = { '-', (char)optopt, '\0' };
                rc = usage_error("option '%s' needs an argument", opt);
            } else {
                rc = usage_error("option '%s' needs an argument", argv[optind - 1]);
            }
            break;
        case '?':
            if (optopt > 0 && optopt < 256) {
                char opt[3] = { '-', (char)optopt, '\0' };
                rc = usage_error("unknown option '%s'", opt);
            } else {
                rc = usage_error("unknown option '%s'", argv[optind - 1]);
            }
            break;
        default:
            if (c >= OPT_MODE && c < OPT_MODE + (int)hl_nmodes)
                sh->mode = &hl_modes[c - OPT_MODE];
            break;
        }
    }
    free(lo);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        *path = argv[optind++];
    if (optind < argc)
        return usage_error("unexpected argument '%s' (one PATH at most)", argv[optind]);
    return -1;
}

int main(int argc, char **argv)
{
    HlShell sh;
    memset(&sh, 0, sizeof sh);
    sh.header = -1;
    Action *acts = hl_xmalloc((size_t)argc * sizeof *acts);
    int nacts = 0;
    const char *path = NULL;

    int rc = parse_args(argc, argv, &sh, acts, &nacts, &path);
    if (rc >= 0) {
        free(acts);
        return rc;
    }
    if (!sh.mode)
        sh.mode = hl_mode_find(isatty(STDOUT_FILENO) ? "table" : "list");

    /* --syntax-check executes nothing, so it touches no catalog file: it
     * checks against an empty one in memory. */
    char *dbpath = sh.check ? hl_xstrdup(":memory:") : path ? hl_xstrdup(path) : default_db();
    if (hl_shell_open(&sh, dbpath, NULL, -1) != 0) {
        free(dbpath);
        free(acts);
        return 1;
    }
    free(dbpath);

    if (nacts) {
        for (int i = 0; i < nacts && !sh.stop; i++) {
            if (acts[i].kind == 'c')
                hl_input_text(&sh, "-c", acts[i].arg, strlen(acts[i].arg));
            else
                hl_input_file(&sh, acts[i].arg, NULL);
        }
    } else if (isatty(STDIN_FILENO)) {
        sh.interactive = 1;
        hl_exec_progress_attach(&sh);
        char *hist = history_file();
        hl_input_repl(&sh, hist);
        free(hist);
    } else {
        hl_input_file(&sh, "-", NULL);
    }

    fflush(stdout);
    int running = helios_running(sh.h);
    if (running > 0) {
        hl_exec_exiting(sh.h);
        if (sh.interactive)
            fprintf(stderr, "waiting for %d training run%s to end (Ctrl-C stops %s)\n", running,
                    running == 1 ? "" : "s", running == 1 ? "it" : "them");
    }
    helios_close(sh.h);
    free(sh.dbpath);
    free(acts);
    return sh.failed ? 1 : 0;
}
