/*
 * tls_helpers.h - the harness of test_tls.c, and of test_frame_io.c (static,
 * included by one file each): the test PKI (made and removed) and its
 * files, an echo server thread, client helpers, a server and
 * a client context that most tests begin with (Pair), checks that a
 * connect, a read or the server's accept fails, plain TCP clients, and fake
 * servers for the client side.
 */
#ifndef HL_TLS_HELPERS_H
#define HL_TLS_HELPERS_H

#include "unit.h"

#include "helios.h"
#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LONG 20.0      /* seconds: for what must not time out, even under ASan */

static char pki_dir[256];

/* The path of a PKI file; a ring of buffers, so a few can be used at once. */
static const char *P(const char *name)
{
    static char ring[16][512];
    static int next;
    char *b = ring[next++ % 16];
    snprintf(b, sizeof ring[0], "%s/%s", pki_dir, name);
    return b;
}

/* cert NAME: NAME.pem and NAME.key; ca: "ca" or "rogue-ca". */
static HlTlsConfig cfg(const char *cert, const char *ca)
{
    char pem[64], key[64], cap[64];
    snprintf(pem, sizeof pem, "%s.pem", cert);
    snprintf(key, sizeof key, "%s.key", cert);
    snprintf(cap, sizeof cap, "%s.pem", ca);
    HlTlsConfig c = { .cert = P(pem), .key = P(key), .ca = P(cap), .verify = 1 };
    return c;
}

/* Makes the test PKI with tests/pki.sh in a new temporary directory
 * (pki_dir); who names the test in messages. */
static int make_pki(const char *who)
{
    const char *top = getenv("top_srcdir");
    char script[600], cmd[1400];
    snprintf(script, sizeof script, "%s/tests/pki.sh", top && *top ? top : "..");
    if (access(script, R_OK) != 0)
        snprintf(script, sizeof script, "../tests/pki.sh");
    snprintf(pki_dir, sizeof pki_dir, "%s/helios-tls-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(pki_dir)) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(cmd, sizeof cmd, "sh '%s' '%s'", script, pki_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "%s: %s failed\n", who, cmd);
        return -1;
    }
    return 0;
}

static void remove_pki(const char *who)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pki_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "%s: could not remove %s\n", who, pki_dir);
}

#define CHECK_HAS(s, sub) do { const char *s_ = (s), *u_ = (sub); unit_checks++; \
    if (!strstr(s_, u_)) { unit_failed++; \
    fprintf(stderr, "%s:%d: %s\n   got: %s\n  want it to contain: %s\n", __FILE__, __LINE__, \
            #s, s_, u_); } } while (0)

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* ---- a server thread: takes n connections and echoes frames -------------
 * A frame is a 4-byte big-endian length and that many bytes; the server
 * sends it back.  Length 0 asks the server to close the connection. */

#define MAXC 8

typedef struct Srv {
    HlTlsCtx *ctx;
    int lfd, port, n;
    double hs_timeout;
    pthread_t th;
    int ok[MAXC], frames[MAXC];
    char msg[MAXC][HL_ERR_MSG_MAX];     /* the accept error, or how the echo ended */
    char peer[MAXC][64];
    int keepidle[MAXC], nodelay[MAXC];  /* the accepted socket's TCP_KEEPIDLE (0: no
                                           SO_KEEPALIVE) and TCP_NODELAY */
    int joined;                         /* srv_join has run */
} Srv;

/* A socket's keepalive idle time (0 when SO_KEEPALIVE is off), and whether
 * it has TCP_NODELAY. */
static void sock_opts(int fd, int *keepidle, int *nodelay)
{
    int ka = 0, idle = 0, nd = 0;
    socklen_t n = sizeof ka;
    getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, &n);
    n = sizeof idle;
    getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &n);
    n = sizeof nd;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nd, &n);
    *keepidle = ka ? idle : 0;
    *nodelay = nd != 0;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void echo_loop(Srv *s, int i, HlTlsConn *c)
{
    hl_err err;
    hl_err_clear(&err);
    for (;;) {
        unsigned char h[4];
        if (hl_tls_read(c, h, 4, LONG, &err) != HELIOS_OK)
            break;
        uint32_t n = get_be32(h);
        if (n == 0) {
            snprintf(s->msg[i], sizeof s->msg[i], "asked to close");
            return;
        }
        unsigned char *b = malloc(n);
        int rc = b ? hl_tls_read(c, b, n, LONG, &err) : HELIOS_NOMEM;
        if (rc == HELIOS_OK)
            rc = hl_tls_write(c, h, 4, LONG, &err);
        if (rc == HELIOS_OK)
            rc = hl_tls_write(c, b, n, LONG, &err);
        free(b);
        if (rc != HELIOS_OK)
            break;
        s->frames[i]++;
    }
    snprintf(s->msg[i], sizeof s->msg[i], "%s", err.msg);
}

static void *srv_main(void *arg)
{
    Srv *s = arg;
    for (int i = 0; i < s->n; i++) {
        struct pollfd p = { s->lfd, POLLIN, 0 };
        if (poll(&p, 1, (int)(LONG * 1000)) <= 0) {
            snprintf(s->msg[i], sizeof s->msg[i], "test: no connection came");
            return NULL;
        }
        hl_err err;
        hl_err_clear(&err);
        HlTlsConn *c = hl_tls_accept(s->ctx, s->lfd, s->hs_timeout, &err);
        if (!c) {
            snprintf(s->msg[i], sizeof s->msg[i], "%s", err.msg);
            continue;
        }
        s->ok[i] = 1;
        sock_opts(hl_tls_fd(c), &s->keepidle[i], &s->nodelay[i]);
        const char *pn = hl_tls_peer_name(c);
        snprintf(s->peer[i], sizeof s->peer[i], "%s", pn ? pn : "(none)");
        echo_loop(s, i, c);
        hl_tls_close(c);
    }
    return NULL;
}

/* Starts a server with cert (and the CA ca) that takes n connections. */
static int srv_start(Srv *s, const char *cert, const char *ca, int n, double hs_timeout)
{
    memset(s, 0, sizeof *s);
    HlTlsConfig c = cfg(cert, ca);
    hl_err err;
    hl_err_clear(&err);
    s->n = n;
    s->hs_timeout = hs_timeout;
    s->lfd = -1;
    if (!(s->ctx = hl_tls_server_ctx(&c, &err))
        || hl_tls_listen("127.0.0.1", 0, 16, &s->lfd, &s->port, &err) != HELIOS_OK
        || pthread_create(&s->th, NULL, srv_main, s) != 0) {
        fprintf(stderr, "srv_start: %s\n", err.msg);
        hl_tls_ctx_free(s->ctx);
        if (s->lfd >= 0)
            close(s->lfd);
        return -1;
    }
    return 0;
}

/* Waits for the server thread and frees what srv_start made; once only, so
 * a test may join early and still end with pair_end. */
static void srv_join(Srv *s)
{
    if (s->joined++)
        return;
    pthread_join(s->th, NULL);
    close(s->lfd);
    hl_tls_ctx_free(s->ctx);
}

#define START(s, ...) do { if (srv_start(s, __VA_ARGS__) != 0) { CHECK(0); return; } } while (0)

/* ---- client helpers ------------------------------------------------------ */

/* Connects to 127.0.0.1:port, err cleared first. */
static HlTlsConn *dial(HlTlsCtx *x, int port, const char *expect, hl_err *err)
{
    hl_err_clear(err);
    return hl_tls_connect(x, "127.0.0.1", port, expect, LONG, err);
}

/* A client context for cert/ca; the test fails on error. */
static HlTlsCtx *client_ctx(const char *cert, const char *ca)
{
    HlTlsConfig c = cfg(cert, ca);
    hl_err err;
    hl_err_clear(&err);
    HlTlsCtx *x = hl_tls_client_ctx(&c, &err);
    if (!x)
        fprintf(stderr, "client_ctx: %s\n", err.msg);
    CHECK(x != NULL);
    return x;
}

/* ---- a server and a client context: how most tests begin ------------------ */

typedef struct Pair {
    Srv s;
    HlTlsCtx *x;        /* the client's context, or NULL */
} Pair;

/* Starts a server for srv_cert that takes n connections (handshakes within
 * hs_timeout) and, unless cli_cert is NULL, makes a client context for
 * cli_cert; both trust "ca". */
static int pair_start(Pair *p, const char *srv_cert, int n, double hs_timeout,
                      const char *cli_cert)
{
    p->x = NULL;
    if (srv_start(&p->s, srv_cert, "ca", n, hs_timeout) != 0)
        return -1;
    p->x = cli_cert ? client_ctx(cli_cert, "ca") : NULL;
    return 0;
}

/* Joins the server (unless done already) and frees the client context;
 * what the server saw stays in p->s, to be checked. */
static void pair_end(Pair *p)
{
    srv_join(&p->s);
    hl_tls_ctx_free(p->x);
    p->x = NULL;
}

#define START_PAIR(p, ...) do { if (pair_start(p, __VA_ARGS__) != 0) { CHECK(0); return; } } \
    while (0)

/* Connects and checks that it worked; NULL if not. */
static HlTlsConn *connect_ok(HlTlsCtx *x, int port, const char *expect, hl_err *err)
{
    HlTlsConn *c = dial(x, port, expect, err);
    CHECK(c != NULL);
    return c;
}

/* Connects (within timeout) and checks that connect itself fails; err says why. */
static void check_connect_fails(HlTlsCtx *x, int port, const char *expect, double timeout,
                                hl_err *err)
{
    hl_err_clear(err);
    HlTlsConn *c = hl_tls_connect(x, "127.0.0.1", port, expect, timeout, err);
    CHECK(c == NULL);
    hl_tls_close(c);
}

/* Reads 4 bytes (within timeout) and checks that the read fails; err says why. */
static void check_read_fails(HlTlsConn *c, double timeout, hl_err *err)
{
    unsigned char b[4];
    hl_err_clear(err);
    CHECK_INT(hl_tls_read(c, b, 4, timeout, err), HELIOS_IO);
}

/* The server refused its connection i, and its message holds want. */
static void check_srv_refused(const Srv *s, int i, const char *want)
{
    CHECK(!s->ok[i]);
    CHECK_HAS(s->msg[i], want);
}

/* Sends n pattern bytes as a frame and checks the echo. */
static int echo(HlTlsConn *c, size_t n)
{
    unsigned char h[4], *out = malloc(n), *back = malloc(n);
    hl_err err;
    hl_err_clear(&err);
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(i * 7 + (i >> 13));
    be32(h, (uint32_t)n);
    int rc = hl_tls_write(c, h, 4, LONG, &err);
    if (rc == HELIOS_OK)
        rc = hl_tls_write(c, out, n, LONG, &err);
    if (rc == HELIOS_OK)
        rc = hl_tls_read(c, h, 4, LONG, &err);
    if (rc == HELIOS_OK && get_be32(h) != n)
        rc = hl_err_set(&err, HELIOS_ERROR, -1, "echo of %zu came back as %u", n, get_be32(h));
    if (rc == HELIOS_OK)
        rc = hl_tls_read(c, back, n, LONG, &err);
    if (rc == HELIOS_OK && memcmp(out, back, n) != 0)
        rc = hl_err_set(&err, HELIOS_ERROR, -1, "echo of %zu differs", n);
    if (rc != HELIOS_OK)
        fprintf(stderr, "echo %zu: %s\n", n, err.msg);
    free(out);
    free(back);
    return rc;
}

static void ask_close(HlTlsConn *c)
{
    unsigned char h[4] = { 0, 0, 0, 0 };
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_tls_write(c, h, 4, LONG, &err), HELIOS_OK);
}

/* A client refused by the server learns it in connect or (TLS 1.3: the
 * server checks the client's certificate after the client has finished)
 * on its first read; either way the message holds want. */
static void check_refused_later(HlTlsConn *c, const hl_err *cerr, const char *want)
{
    if (!c) {
        CHECK_HAS(cerr->msg, want);
        return;
    }
    hl_err err;
    check_read_fails(c, LONG, &err);
    CHECK_HAS(err.msg, want);
    hl_tls_close(c);
}

/* A plain TCP connection to 127.0.0.1:port. */
static int raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    CHECK(fd >= 0);
    return fd;
}

/* Reads until the peer closes (or LONG passes); returns 1 on EOF/reset. */
static int raw_wait_close(int fd)
{
    char buf[4096];
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, (int)(LONG * 1000)) <= 0)
            return 0;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return 1;
    }
}

/* A plaintext client sends n bytes (or, n 0, nothing) and checks that the
 * server hangs up. */
static void check_raw_dropped(int port, const void *bytes, size_t n)
{
    int fd = raw_connect(port);
    if (n)
        CHECK(send(fd, bytes, n, MSG_NOSIGNAL) == (ssize_t)n);
    CHECK(raw_wait_close(fd));
    close(fd);
}

/* ---- fake servers for the client side ---- */

typedef struct Fake {
    int lfd, port, tls12;
    pthread_t th;
} Fake;

static void *fake_main(void *arg)
{
    Fake *f = arg;
    struct pollfd p = { f->lfd, POLLIN, 0 };
    if (poll(&p, 1, (int)(LONG * 1000)) <= 0)
        return NULL;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    struct timeval tv = { (time_t)LONG, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);  /* BSD's accept passes it on */
    if (f->tls12) {     /* an honest TLS 1.2 server with node1's certificate */
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_use_certificate_file(ctx, P("node1.pem"), SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(ctx, P("node1.key"), SSL_FILETYPE_PEM);
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        (void)SSL_accept(ssl);
        ERR_clear_error();
        SSL_free(ssl);
        SSL_CTX_free(ctx);
    } else {            /* a web server */
        char buf[4096];
        (void)recv(fd, buf, sizeof buf, 0);
        const char resp[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        (void)send(fd, resp, sizeof resp - 1, MSG_NOSIGNAL);
        shutdown(fd, SHUT_WR);
        while (recv(fd, buf, sizeof buf, 0) > 0)
            ;
    }
    close(fd);
    return NULL;
}

static int fake_start(Fake *f, int tls12)
{
    hl_err err;
    hl_err_clear(&err);
    f->tls12 = tls12;
    if (hl_tls_listen("127.0.0.1", 0, 4, &f->lfd, &f->port, &err) != HELIOS_OK)
        return -1;
    if (pthread_create(&f->th, NULL, fake_main, f) != 0) {
        close(f->lfd);
        return -1;
    }
    return 0;
}

static void fake_join(Fake *f)
{
    pthread_join(f->th, NULL);
    close(f->lfd);
}

#endif
