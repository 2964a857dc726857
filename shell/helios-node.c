/*
 * helios-node.c - the site agent: serves the coordinator over TLS 1.3 with
 * mutual authentication, answering the node interface's requests (SCHEMA,
 * STATS, SETUP, TRAIN, EVAL, SECAGG) over this site's own SQLite data.
 * Only what the protocol defines leaves the site: counts, sums, value
 * counts, parameters, metrics, masked updates; never a row.
 *
 *   helios-node --db PATH --listen HOST:PORT --cert FILE --key FILE --ca FILE
 *               [--name NAME] [--filter SQL] [--max-connections N]
 *               [--max-bandwidth-mbps X] [--verbose] [--config FILE]
 *
 * A config file holds the same settings as `name = value` lines (# starts
 * a comment; `verbose = true`); the command line wins.  Log lines go to
 * standard error, one event a line, as key=value pairs; with --verbose
 * also one line per request and one per answer (event=request,
 * event=response).  Connections have TCP keepalive (every 60 s) and
 * TCP_NODELAY.  The main thread only accepts; each connection's thread
 * makes its TLS handshake (10 s at most) and then serves it, so a peer
 * that connects and says nothing holds up nobody but its own slot of
 * --max-connections.  SIGTERM and SIGINT stop accepting,
 * end the open connections between requests and exit 0; SIGHUP reloads
 * the certificate, key and CA for the connections that follow.
 */
#include <errno.h>
#include <float.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "helios.h"
#include "remote.h"
#include "tls.h"

typedef struct Settings {
    char *db, *listen, *cert, *key, *ca, *name, *filter;
    int max_conn;
    double max_mbps;            /* 0: no limit of its own */
    int verbose;                /* -1: not set */
} Settings;

#define KEEPALIVE_S 60          /* TCP keepalive of every connection */
#define HANDSHAKE_S 10          /* a connection's TLS handshake, at most */

static volatile sig_atomic_t stop_flag, reload_flag;
static int wake[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        reload_flag = 1;
    else
        stop_flag = 1;
    if (wake[1] >= 0) {
        ssize_t w = write(wake[1], "x", 1);
        (void)w;
    }
    errno = saved;
}

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

/* One log line: time=... level=... event=... then the caller's pairs. */
static void logf_(const char *level, const char *event, const char *fmt, ...)
{
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "time=%s level=%s event=%s", ts, level, event);
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputc(' ', stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}

/* ---- settings ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: helios-node --db PATH --listen HOST:PORT --cert FILE --key FILE --ca FILE\n"
               "                   [--name NAME] [--filter SQL] [--max-connections N]\n"
               "                   [--max-bandwidth-mbps X] [--verbose] [--config FILE]\n"
               "       helios-node --version | --help\n");
}

static int set(Settings *s, const char *k, const char *v, int override)
{
    struct { const char *name; char **field; } t[] = {
        {"db", &s->db}, {"listen", &s->listen}, {"cert", &s->cert}, {"key", &s->key},
        {"ca", &s->ca}, {"name", &s->name}, {"filter", &s->filter},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(k, t[i].name) == 0) {
            if (*t[i].field && !override)
                return 0;
            free(*t[i].field);
            *t[i].field = strdup(v);
            return 0;
        }
    if (strcmp(k, "max-connections") == 0 || strcmp(k, "max_connections") == 0) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 4096)
            return -2;
        if (override || !s->max_conn)
            s->max_conn = (int)n;
        return 0;
    }
    if (strcmp(k, "max-bandwidth-mbps") == 0 || strcmp(k, "max_bandwidth_mbps") == 0) {
        char *end;
        double x = strtod(v, &end);
        if (end == v || *end || !(x >= 0 && x <= DBL_MAX))
            return -2;
        if (override || !s->max_mbps)
            s->max_mbps = x;
        return 0;
    }
    if (strcmp(k, "verbose") == 0) {
        int on = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
        if (!on && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
            return -2;
        if (override || s->verbose < 0)
            s->verbose = on;
        return 0;
    }
    return -1;
}

static int read_config(Settings *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "helios-node: cannot read config '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    int n = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *p = line, *eq;
        p[strcspn(p, "\r\n")] = '\0';
        if (*p == '#' || strspn(p, " \t") == strlen(p))
            continue;
        if (!(eq = strchr(p, '='))) {
            fprintf(stderr, "helios-node: %s:%d: expected name = value\n", path, n);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *k = p, *v = eq + 1;
        while (*k == ' ' || *k == '\t')
            k++;
        for (char *e = k + strlen(k); e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
            e[-1] = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
            e[-1] = '\0';
        int r = set(s, k, v, 0);
        if (r) {
            fprintf(stderr, "helios-node: %s:%d: %s '%s'\n", path, n,
                    r == -2 ? "bad value for" : "unknown setting", k);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* ---- connections ------------------------------------------------------------------- */

typedef struct Conn {
    HlTlsConn *tls;             /* accepted; the thread makes its handshake */
    const Settings *s;
    struct Conn *next;
    pthread_t thread;
    int done;
} Conn;

static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static Conn *conns;
static int nconn;

/* The phases' names, as the log says them (engine/node.h's HlMsgType). */
static const char *phase_name(int phase)
{
    static const char *const names[] = { "?", "SCHEMA", "STATS", "SETUP", "TRAIN", "EVAL",
                                         "SECAGG" };
    return phase > 0 && phase < (int)(sizeof names / sizeof names[0]) ? names[phase] : "?";
}

static void on_request(void *arg, int phase, int round, int64_t bytes_in)
{
    (void)arg;
    if (round >= 0)
        logf_("info", "request", "phase=%s round=%d bytes_in=%lld", phase_name(phase), round,
              (long long)bytes_in);
    else
        logf_("info", "request", "phase=%s bytes_in=%lld", phase_name(phase),
              (long long)bytes_in);
}

static void on_response(void *arg, int phase, const char *error, int64_t bytes_out,
                        double seconds)
{
    (void)arg;
    if (error)
        logf_("warn", "response", "phase=%s bytes_out=%lld seconds=%.3f error=\"%s\"",
              phase_name(phase), (long long)bytes_out, seconds, error);
    else
        logf_("info", "response", "phase=%s bytes_out=%lld seconds=%.3f", phase_name(phase),
              (long long)bytes_out, seconds);
}

static const HlServeHooks verbose_hooks = { NULL, on_request, on_response };

/* A connection: the handshake, then the requests until either side ends,
 * each outcome logged. */
static void serve_conn(Conn *c)
{
    hl_err err;
    hl_err_clear(&err);
    if (hl_tls_handshake_server(c->tls, HANDSHAKE_S, &err) != HELIOS_OK) {
        if (!stop_flag)     /* else it was our shutdown(), not the peer */
            logf_("warn", "refused", "reason=\"%s\"", err.msg);
        return;
    }
    const char *peer = hl_tls_peer_name(c->tls);
    logf_("info", "connected", "peer=%s", peer ? peer : "?");
    HlServeOpts o = { .name = c->s->name, .db_path = c->s->db, .filter = c->s->filter,
                      .max_bandwidth_mbps = c->s->max_mbps,
                      .hooks = c->s->verbose > 0 ? &verbose_hooks : NULL };
    int rc = hl_node_serve(c->tls, &o, &stop_flag, &err);
    if (rc == HELIOS_OK)
        logf_("info", "closed", "peer=%s", peer ? peer : "?");
    else
        logf_("warn", "closed", "peer=%s reason=\"%s\"", peer ? peer : "?", err.msg);
}

/* A connection's thread. */
static void *serve(void *arg)
{
    Conn *c = arg;
    serve_conn(c);
    pthread_mutex_lock(&conn_mu);
    c->done = 1;
    pthread_mutex_unlock(&conn_mu);
    return NULL;
}

/* Joins the connections that ended (all of them when `all`, after waking
 * them with shutdown()). */
static void reap(int all)
{
    pthread_mutex_lock(&conn_mu);
    if (all)
        for (Conn *c = conns; c; c = c->next)
            if (!c->done)
                shutdown(hl_tls_fd(c->tls), SHUT_RDWR);
    Conn **pp = &conns;
    while (*pp) {
        Conn *c = *pp;
        if (c->done || all) {
            *pp = c->next;
            pthread_mutex_unlock(&conn_mu);
            pthread_join(c->thread, NULL);
            hl_tls_close(c->tls);
            free(c);
            pthread_mutex_lock(&conn_mu);
            nconn--;
        } else
            pp = &c->next;
    }
    pthread_mutex_unlock(&conn_mu);
}

/* Takes one pending connection and starts its thread, or refuses it when
 * --max-connections are open (those still in their handshake count). */
static void accept_one(HlTlsCtx *ctx, int lfd, const Settings *s)
{
    hl_err err;
    hl_err_clear(&err);
    HlTlsConn *c = hl_tls_accept_tcp(ctx, lfd, &err);
    if (!c) {
        if (err.code != HELIOS_OK) {
            logf_("warn", "refused", "reason=\"%s\"", err.msg);
            /* out of descriptors, most likely: the listener stays readable,
             * so give the connections a moment to end rather than spin */
            poll(NULL, 0, 100);
        }
        return;
    }
    pthread_mutex_lock(&conn_mu);
    int full = nconn >= s->max_conn;
    pthread_mutex_unlock(&conn_mu);
    if (full) {
        logf_("warn", "refused", "reason=\"peer %s: %d connections already (max-connections)\"",
              hl_tls_peer_addr(c), s->max_conn);
        hl_tls_close(c);
        return;
    }
    Conn *k = calloc(1, sizeof *k);
    if (!k) {
        hl_tls_close(c);
        return;
    }
    k->tls = c;
    k->s = s;
    pthread_mutex_lock(&conn_mu);
    if (pthread_create(&k->thread, NULL, serve, k) != 0) {
        pthread_mutex_unlock(&conn_mu);
        logf_("warn", "refused", "reason=\"peer %s: cannot start a thread\"",
              hl_tls_peer_addr(c));
        hl_tls_close(c);
        free(k);
        return;
    }
    k->next = conns;
    conns = k;
    nconn++;
    pthread_mutex_unlock(&conn_mu);
}

int main(int argc, char **argv)
{
    Settings s = { .verbose = -1 };
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("helios-node %s\n", helios_version());
            return 0;
        }
        if (strcmp(a, "--verbose") == 0) {
            s.verbose = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--config") == 0) {
            config = argv[++i];
            continue;
        }
        int r = set(&s, a + 2, argv[++i], 1);
        if (r) {
            fprintf(stderr, "helios-node: %s '%s'\n", r == -2 ? "bad value for" : "unknown option",
                    a);
            usage(stderr);
            return 2;
        }
    }
    if (config && read_config(&s, config) != 0)
        return 2;
    if (!s.max_conn)
        s.max_conn = 64;
    if (!s.db || !s.listen || !s.cert || !s.key || !s.ca) {
        fprintf(stderr, "helios-node: --db, --listen, --cert, --key and --ca are required\n");
        usage(stderr);
        return 2;
    }
    if (!s.name)
        s.name = strdup("node");
    char *host = strdup(s.listen), *colon = strrchr(host, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || !end || *end || port < 0 || port > 65535) {
        fprintf(stderr, "helios-node: --listen '%s': expected HOST:PORT\n", s.listen);
        return 2;
    }
    *colon = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }

    HlTlsConfig tc = { .cert = s.cert, .key = s.key, .ca = s.ca, .verify = 1,
                       .keepalive_s = KEEPALIVE_S };
    hl_err err;
    hl_err_clear(&err);
    HlTlsCtx *ctx = hl_tls_server_ctx(&tc, &err);
    if (!ctx) {
        fprintf(stderr, "helios-node: %s\n", err.msg);
        return 1;
    }
    int lfd = -1, bound = 0;
    if (hl_tls_listen(host, (int)port, 128, &lfd, &bound, &err) != HELIOS_OK) {
        fprintf(stderr, "helios-node: %s\n", err.msg);
        hl_tls_ctx_free(ctx);
        return 1;
    }
    if (pipe(wake) != 0) {
        perror("helios-node: pipe");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    logf_("info", "listening", "name=%s address=%s port=%d db=\"%s\"", s.name, host, bound, s.db);
    if (s.max_mbps > 0)
        logf_("info", "pacing", "max_bandwidth_mbps=%g", s.max_mbps);

    while (!stop_flag) {
        struct pollfd p[2] = { { lfd, POLLIN, 0 }, { wake[0], POLLIN, 0 } };
        int n = poll(p, 2, 1000);
        reap(0);
        if (p[1].revents & POLLIN) {
            char buf[16];
            ssize_t r = read(wake[0], buf, sizeof buf);
            (void)r;
        }
        if (reload_flag) {
            reload_flag = 0;
            hl_err e1;
            hl_err_clear(&e1);
            if (hl_tls_ctx_reload(ctx, &tc, &e1) == HELIOS_OK)
                logf_("info", "reloaded", "cert=\"%s\"", s.cert);
            else
                logf_("error", "reload_failed", "reason=\"%s\"", e1.msg);
        }
        if (n <= 0 || !(p[0].revents & POLLIN) || stop_flag)
            continue;
        accept_one(ctx, lfd, &s);
    }
    logf_("info", "stopping", "connections=%d", nconn);
    close(lfd);
    reap(1);
    hl_tls_ctx_free(ctx);
    logf_("info", "stopped", "");
    free(host);
    free(s.db);
    free(s.listen);
    free(s.cert);
    free(s.key);
    free(s.ca);
    free(s.name);
    free(s.filter);
    return 0;
}
