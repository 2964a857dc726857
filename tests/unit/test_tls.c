/*
 * test_tls.c - the TLS transport (src/net/tls.c) against the test PKI that
 * tests/pki.sh makes at test time.  It protects: mutual authentication
 * (a rogue CA on either side, a name that does not match, an expired
 * certificate, no client certificate: all refused, each with its reason in
 * words), TLS 1.3 only (a TLS 1.2 client or server, a plaintext client or
 * server: refused, and the server keeps accepting), timeouts (a silent
 * client, a silent server, a read), reads and writes of exactly n bytes
 * (a framed echo from 1 byte to 8 MiB), no SIGPIPE on a closed peer, and
 * certificate reload.  Everything runs on 127.0.0.1 with ports chosen by
 * the kernel; every thread is joined and every socket closed (counted).
 */
#include "unit.h"

#include "helios.h"
#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
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
    HlTlsConfig c = { P(pem), P(key), P(cap), 1 };
    return c;
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
} Srv;

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

static void srv_join(Srv *s)
{
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
    hl_err_clear(&err);
    unsigned char b[4];
    CHECK_INT(hl_tls_read(c, b, 4, LONG, &err), HELIOS_IO);
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

/* ---- the tests ----------------------------------------------------------- */

/* Coordinator and node1 trust each other; frames of 1 byte to 8 MiB come
 * back intact, over records of 16 KiB; the names match by DNS, IP and
 * localhost; each side sees the other's CN. */
static void test_mutual_echo(void)
{
    Srv s;
    START(&s, "node1", "ca", 3, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    const char *names[] = { "node1", "127.0.0.1", "localhost" };
    static const size_t sizes[] = { 1, 2, 100, 16384, 16385, 65537, 1 << 20, 8 << 20 };
    for (int k = 0; k < 3; k++) {
        hl_err err;
        HlTlsConn *c = dial(x, s.port, names[k], &err);
        CHECK_STR(err.msg, "");
        if (!c)
            continue;
        CHECK_STR(hl_tls_peer_name(c), "node1");
        char addr[32];
        snprintf(addr, sizeof addr, "127.0.0.1:%d", s.port);
        CHECK_STR(hl_tls_peer_addr(c), addr);
        CHECK(hl_tls_fd(c) >= 0);
        int nsz = k == 0 ? (int)(sizeof sizes / sizeof sizes[0]) : 1;
        for (int i = 0; i < nsz; i++)
            CHECK_INT(echo(c, sizes[i]), HELIOS_OK);
        CHECK(!hl_tls_pending(c));
        hl_tls_close(c);
    }
    srv_join(&s);
    for (int k = 0; k < 3; k++) {
        CHECK(s.ok[k]);
        CHECK_STR(s.peer[k], "coordinator");
    }
    CHECK_INT(s.frames[0], 8);
    CHECK_INT(s.frames[1], 1);
    /* the client's close_notify ends the server's read */
    CHECK_HAS(s.msg[0], "connection closed by peer");
    hl_tls_ctx_free(x);
}

/* The node closes; the coordinator's read says so, and writing on into the
 * closed connection fails without a SIGPIPE (which would end this test). */
static void test_peer_closes(void)
{
    Srv s;
    START(&s, "node1", "ca", 2, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, "node1", &err);
    CHECK(c != NULL);
    if (c) {
        ask_close(c);
        unsigned char b[4];
        CHECK_INT(hl_tls_read(c, b, 4, LONG, &err), HELIOS_IO);
        CHECK_HAS(err.msg, "node 127.0.0.1:");
        CHECK_HAS(err.msg, ": connection closed by peer");
        hl_tls_close(c);
    }
    /* a peer gone under our writes */
    c = dial(x, s.port, NULL, &err);
    CHECK(c != NULL);
    if (c) {
        ask_close(c);
        srv_join(&s);   /* the server has closed: our writes now hit a closed socket */
        size_t n = 1 << 20;
        unsigned char *big = calloc(1, n);
        int rc = HELIOS_OK;
        for (int i = 0; i < 64 && rc == HELIOS_OK; i++)
            rc = hl_tls_write(c, big, n, LONG, &err);
        CHECK_INT(rc, HELIOS_IO);
        CHECK_HAS(err.msg, "node 127.0.0.1:");
        free(big);
        hl_tls_close(c);
    } else
        srv_join(&s);
    hl_tls_ctx_free(x);
}

/* A client whose certificate comes from another CA (and claims to be node1):
 * the server refuses it and says why; the client hears "unknown CA". */
static void test_rogue_client(void)
{
    Srv s;
    START(&s, "node1", "ca", 1, LONG);
    HlTlsCtx *x = client_ctx("rogue-node", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, "node1", &err);
    check_refused_later(c, &err, "the peer refused our certificate (unknown CA)");
    srv_join(&s);
    CHECK(!s.ok[0]);
    CHECK_HAS(s.msg[0], "peer 127.0.0.1:");
    CHECK_HAS(s.msg[0], ": certificate verify failed: unable to get local issuer certificate "
                        "(CN=node1, issued by CN=helios rogue CA)");
    hl_tls_ctx_free(x);
}

/* A server whose certificate comes from another CA: the client refuses it
 * in connect, and the server hears "unknown CA". */
static void test_rogue_server(void)
{
    Srv s;
    START(&s, "rogue-node", "ca", 1, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, "node1", &err);
    CHECK(c == NULL);
    hl_tls_close(c);
    char want[256];
    snprintf(want, sizeof want, "node 127.0.0.1:%d: certificate verify failed: unable to get "
             "local issuer certificate (CN=node1, issued by CN=helios rogue CA)", s.port);
    CHECK_STR(err.msg, want);
    CHECK_INT(err.code, HELIOS_IO);
    srv_join(&s);
    CHECK(!s.ok[0]);
    CHECK_HAS(s.msg[0], ": the peer refused our certificate (unknown CA)");
    hl_tls_ctx_free(x);
}

/* node1's certificate, good in itself, but the coordinator expected node2
 * (or another address): refused, with the names the certificate has. */
static void test_name_mismatch(void)
{
    Srv s;
    START(&s, "node1", "ca", 2, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, "node2", &err);
    CHECK(c == NULL);
    hl_tls_close(c);
    CHECK_HAS(err.msg, ": certificate does not match 'node2' (it is for node1, localhost, "
                       "127.0.0.1)");
    c = dial(x, s.port, "10.1.2.3", &err);
    CHECK(c == NULL);
    hl_tls_close(c);
    CHECK_HAS(err.msg, ": certificate does not match '10.1.2.3'");
    srv_join(&s);
    CHECK(!s.ok[0] && !s.ok[1]);
    CHECK_HAS(s.msg[0], "the peer refused our certificate");
    hl_tls_ctx_free(x);
}

/* An expired certificate, on either side. */
static void test_expired(void)
{
    Srv s;
    START(&s, "node-expired", "ca", 1, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, NULL, &err);
    CHECK(c == NULL);
    hl_tls_close(c);
    CHECK_HAS(err.msg, ": certificate verify failed: certificate has expired "
                       "(CN=node-expired, issued by CN=helios test CA, expired Jan  1 "
                       "00:00:00 2001 GMT)");
    srv_join(&s);
    CHECK_HAS(s.msg[0], "the peer refused our certificate (certificate expired)");
    hl_tls_ctx_free(x);

    START(&s, "node1", "ca", 1, LONG);
    x = client_ctx("node-expired", "ca");
    c = dial(x, s.port, "node1", &err);
    check_refused_later(c, &err, "the peer refused our certificate (certificate expired)");
    srv_join(&s);
    CHECK_HAS(s.msg[0], ": certificate verify failed: certificate has expired (CN=node-expired");
    hl_tls_ctx_free(x);
}

/* A client without a certificate. */
static void test_no_client_cert(void)
{
    Srv s;
    START(&s, "node1", "ca", 1, LONG);
    HlTlsConfig c0 = { NULL, NULL, P("ca.pem"), 1 };
    hl_err err;
    hl_err_clear(&err);
    HlTlsCtx *x = hl_tls_client_ctx(&c0, &err);
    CHECK(x != NULL);
    HlTlsConn *c = x ? hl_tls_connect(x, "127.0.0.1", s.port, "node1", LONG, &err) : NULL;
    check_refused_later(c, &err, "the peer requires a certificate, and we sent none");
    srv_join(&s);
    CHECK_HAS(s.msg[0], ": the peer sent no certificate, and one is required");
    hl_tls_ctx_free(x);
}

/* Plaintext clients (an HTTP request, binary garbage) and one that says
 * nothing are refused, each with its reason, and the server then takes a
 * good connection as before. */
static void test_plaintext_clients(void)
{
    Srv s;
    START(&s, "node1", "ca", 4, 1.0);
    int fd = raw_connect(s.port);
    const char http[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    CHECK(send(fd, http, sizeof http - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof http - 1));
    CHECK(raw_wait_close(fd));
    close(fd);

    fd = raw_connect(s.port);
    const unsigned char junk[] = { 0, 1, 2, 3, 0xff, 0xfe, 0x10, 0x20, 0x30, 0x40, 0x50 };
    CHECK(send(fd, junk, sizeof junk, MSG_NOSIGNAL) == (ssize_t)sizeof junk);
    CHECK(raw_wait_close(fd));
    close(fd);

    fd = raw_connect(s.port);   /* says nothing */
    CHECK(raw_wait_close(fd));
    close(fd);

    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, "node1", &err);
    CHECK(c != NULL);
    if (c) {
        CHECK_INT(echo(c, 1000), HELIOS_OK);
        hl_tls_close(c);
    }
    srv_join(&s);
    CHECK_HAS(s.msg[0], ": plaintext peer: not a TLS handshake (it sent \"GET / HTTP/1.1\")");
    CHECK_HAS(s.msg[1], ": plaintext peer: not a TLS handshake (it sent bytes 00 01 02 03 ff "
                        "fe 10 20)");
    CHECK_HAS(s.msg[2], ": handshake timed out after 1 s");
    CHECK(!s.ok[0] && !s.ok[1] && !s.ok[2] && s.ok[3]);
    CHECK_INT(s.frames[3], 1);
    hl_tls_ctx_free(x);
}

/* A client limited to TLS 1.2 (OpenSSL directly): refused by the server,
 * which names the version; the client hears a protocol_version alert. */
static void test_tls12_client(void)
{
    Srv s;
    START(&s, "node1", "ca", 1, LONG);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    CHECK(SSL_CTX_use_certificate_file(ctx, P("coordinator.pem"), SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, P("coordinator.key"), SSL_FILETYPE_PEM) == 1);
    int fd = raw_connect(s.port);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    CHECK(SSL_connect(ssl) != 1);
    CHECK_INT(ERR_GET_REASON(ERR_peek_error()), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    srv_join(&s);
    CHECK(!s.ok[0]);
    CHECK_HAS(s.msg[0], ": peer does not speak TLS 1.3 (it offered TLS 1.2)");
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

/* Our client against a TLS 1.2 server, a web server, and a server that
 * never answers: each refused, each with its reason. */
static void test_bad_servers(void)
{
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    static const char *const why[] = {
        ": peer does not speak TLS 1.3 (it refused a TLS 1.3 handshake)",
        ": plaintext peer: not a TLS handshake (it sent \"HTTP/1.1 400 Bad Request\")" };
    hl_err err;
    for (int t = 0; t < 2; t++) {
        Fake f;
        if (fake_start(&f, t == 0) != 0) {
            CHECK(0);
            continue;
        }
        HlTlsConn *c = dial(x, f.port, "node1", &err);
        CHECK(c == NULL);
        hl_tls_close(c);
        CHECK_HAS(err.msg, why[t]);
        fake_join(&f);
    }

    /* a listener that never accepts: the kernel completes the TCP
     * handshake, nobody answers the TLS one */
    int lfd = -1, port = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 4, &lfd, &port, &err), HELIOS_OK);
    HlTlsConn *c = hl_tls_connect(x, "127.0.0.1", port, "node1", 0.3, &err);
    CHECK(c == NULL);
    char want[96];
    snprintf(want, sizeof want, "node 127.0.0.1:%d: handshake timed out after 0.3 s", port);
    CHECK_STR(err.msg, want);
    /* and accept with nobody knocking */
    HlTlsCtx *sx = NULL;
    HlTlsConfig sc = cfg("node1", "ca");
    hl_err_clear(&err);
    CHECK((sx = hl_tls_server_ctx(&sc, &err)) != NULL);
    int lfd2 = -1, port2 = 0;
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 4, &lfd2, &port2, &err), HELIOS_OK);
    c = sx ? hl_tls_accept(sx, lfd2, 0.1, &err) : NULL;
    CHECK(c == NULL);
    CHECK_STR(err.msg, "no connection within 0.1 s");
    close(lfd2);
    hl_tls_ctx_free(sx);
    close(lfd);
    /* nothing listens on that port any more */
    c = dial(x, port, "node1", &err);
    CHECK(c == NULL);
    snprintf(want, sizeof want, "node 127.0.0.1:%d: cannot connect: Connection refused", port);
    CHECK_STR(err.msg, want);
    hl_tls_ctx_free(x);
}

/* A read that nothing answers times out, with the peer named. */
static void test_read_timeout(void)
{
    Srv s;
    START(&s, "node1", "ca", 1, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c = dial(x, s.port, "node1", &err);
    CHECK(c != NULL);
    if (c) {
        unsigned char b[4];
        CHECK_INT(hl_tls_read(c, b, 4, 0.2, &err), HELIOS_IO);
        char want[96];
        snprintf(want, sizeof want, "node 127.0.0.1:%d: read timed out after 0.2 s", s.port);
        CHECK_STR(err.msg, want);
        hl_err_clear(&err);
        CHECK_INT(hl_tls_read(c, b, 4, 0.2, &err), HELIOS_IO);
        CHECK_HAS(err.msg, "the connection has failed");
        hl_tls_close(c);
    }
    srv_join(&s);
    hl_tls_ctx_free(x);
}

/* SIGHUP's reload: node1 becomes node2 for the next connection, an open
 * connection keeps going, and a reload that fails changes nothing. */
static void test_reload(void)
{
    Srv s;
    START(&s, "node1", "ca", 3, LONG);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    hl_err err;
    HlTlsConn *c1 = dial(x, s.port, "node1", &err);
    CHECK(c1 != NULL);

    HlTlsConfig n2 = cfg("node2", "ca");
    CHECK_INT(hl_tls_ctx_reload(s.ctx, &n2, &err), HELIOS_OK);
    if (c1) {
        CHECK_INT(echo(c1, 5000), HELIOS_OK);
        CHECK_STR(hl_tls_peer_name(c1), "node1");
        hl_tls_close(c1);
    }

    HlTlsConn *c2 = hl_tls_connect(x, "127.0.0.1", s.port, "node2", LONG, &err);
    CHECK(c2 != NULL);
    if (c2) {
        CHECK_STR(hl_tls_peer_name(c2), "node2");
        CHECK_INT(echo(c2, 10), HELIOS_OK);
        hl_tls_close(c2);
    }

    /* failing reloads: a missing file, a key that is not the certificate's */
    HlTlsConfig bad = cfg("node3", "ca");
    bad.cert = P("missing.pem");
    hl_err_clear(&err);
    CHECK_INT(hl_tls_ctx_reload(s.ctx, &bad, &err), HELIOS_IO);
    char want[700];
    snprintf(want, sizeof want, "cannot load certificate '%s': No such file or directory",
             P("missing.pem"));
    CHECK_STR(err.msg, want);
    bad = cfg("node3", "ca");
    bad.key = P("node1.key");
    hl_err_clear(&err);
    CHECK_INT(hl_tls_ctx_reload(s.ctx, &bad, &err), HELIOS_ERROR);
    CHECK_HAS(err.msg, "node3.pem' and key '");
    CHECK_HAS(err.msg, "node1.key' do not match");

    HlTlsConn *c3 = dial(x, s.port, "node2", &err);
    CHECK_STR(err.msg, "");
    if (c3) {
        CHECK_STR(hl_tls_peer_name(c3), "node2");
        hl_tls_close(c3);
    }
    srv_join(&s);
    CHECK(s.ok[0] && s.ok[1] && s.ok[2]);
    hl_tls_ctx_free(x);
}

/* Distinct connections at once: four client threads share one client
 * context, four server threads share one server context and listener,
 * and the server reloads its certificate meanwhile. */
typedef struct Cli {
    HlTlsCtx *x;
    int port, ok;
    pthread_t th;
} Cli;

static void *cli_main(void *arg)
{
    Cli *k = arg;
    for (int i = 0; i < 3; i++) {
        hl_err err;
        hl_err_clear(&err);
        HlTlsConn *c = hl_tls_connect(k->x, "127.0.0.1", k->port, NULL, LONG, &err);
        if (c && echo(c, 256 << 10) == HELIOS_OK && echo(c, 3) == HELIOS_OK)
            k->ok++;
        else if (!c)
            fprintf(stderr, "cli: %s\n", err.msg);
        hl_tls_close(c);
    }
    return NULL;
}

static void test_concurrent(void)
{
    enum { N = 4 };
    Srv s[N];
    Cli k[N];
    if (srv_start(&s[0], "node1", "ca", 0, LONG) != 0) {
        CHECK(0);
        return;
    }
    pthread_join(s[0].th, NULL);        /* it took no connection */
    for (int i = 0; i < N; i++) {
        if (i > 0)
            memset(&s[i], 0, sizeof s[i]);
        s[i].ctx = s[0].ctx, s[i].lfd = s[0].lfd, s[i].port = s[0].port;
        s[i].n = 3, s[i].hs_timeout = LONG;
        CHECK(pthread_create(&s[i].th, NULL, srv_main, &s[i]) == 0);
    }
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    for (int i = 0; i < N; i++) {
        k[i].x = x, k[i].port = s[0].port, k[i].ok = 0;
        CHECK(pthread_create(&k[i].th, NULL, cli_main, &k[i]) == 0);
    }
    hl_err err;
    for (int r = 0; r < 20; r++) {
        HlTlsConfig c = cfg(r % 2 ? "node1" : "node2", "ca");
        hl_err_clear(&err);
        CHECK_INT(hl_tls_ctx_reload(s[0].ctx, &c, &err), HELIOS_OK);
    }
    int served = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(k[i].th, NULL);
        CHECK_INT(k[i].ok, 3);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(s[i].th, NULL);
        for (int j = 0; j < 3; j++)
            served += s[i].frames[j];
    }
    CHECK_INT(served, N * 3 * 2);
    close(s[0].lfd);
    hl_tls_ctx_free(s[0].ctx);
    hl_tls_ctx_free(x);
}

/* Configurations that cannot work are refused when the context is made. */
static void test_bad_config(void)
{
    hl_err err;
    HlTlsConfig c = cfg("node1", "ca");
    c.key = NULL;
    hl_err_clear(&err);
    CHECK(hl_tls_server_ctx(&c, &err) == NULL);
    CHECK_STR(err.msg, "a TLS server needs a certificate and a key");
    c = cfg("node1", "ca");
    c.ca = NULL;
    hl_err_clear(&err);
    CHECK(hl_tls_client_ctx(&c, &err) == NULL);
    CHECK_STR(err.msg, "verifying peers needs a CA file");
    c = cfg("node1", "ca");
    c.ca = P("node1.key");      /* not a certificate */
    hl_err_clear(&err);
    CHECK(hl_tls_client_ctx(&c, &err) == NULL);
    CHECK_HAS(err.msg, "cannot load CA certificate '");
    CHECK_HAS(err.msg, "node1.key': not a usable PEM CA certificate (no certificate or crl "
                       "found)");
    c = cfg("node1", "ca");
    c.key = P("node1.pem");     /* not a key */
    hl_err_clear(&err);
    CHECK(hl_tls_server_ctx(&c, &err) == NULL);
    CHECK_HAS(err.msg, "cannot load private key '");
    CHECK_HAS(err.msg, "node1.pem': not a usable PEM private key");
    c = cfg("node1", "ca");
    c.cert = P("node1.key");    /* not a certificate */
    hl_err_clear(&err);
    CHECK(hl_tls_server_ctx(&c, &err) == NULL);
    CHECK_HAS(err.msg, "node1.key': not a usable PEM certificate");
    int fd = -1, port = 0, fd2 = -1;
    hl_err_clear(&err);
    CHECK_INT(hl_tls_listen("127.0.0.1", 70000, 4, &fd, NULL, &err), HELIOS_MISUSE);
    hl_err_clear(&err);
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 4, &fd, &port, &err), HELIOS_OK);
    CHECK_INT(hl_tls_listen("127.0.0.1", port, 4, &fd2, NULL, &err), HELIOS_IO);
    char want[96];
    snprintf(want, sizeof want, "cannot listen on 127.0.0.1:%d: Address already in use", port);
    CHECK_STR(err.msg, want);
    close(fd);
    hl_tls_ctx_free(NULL);
    hl_tls_close(NULL);
}

/* ---- setup ------------------------------------------------------------- */

static int make_pki(void)
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
        fprintf(stderr, "test_tls: %s failed\n", cmd);
        return -1;
    }
    return 0;
}

int main(void)
{
    if (make_pki() != 0)
        return 1;
    int fds = count_fds();
    RUN(test_mutual_echo);
    RUN(test_peer_closes);
    RUN(test_rogue_client);
    RUN(test_rogue_server);
    RUN(test_name_mismatch);
    RUN(test_expired);
    RUN(test_no_client_cert);
    RUN(test_plaintext_clients);
    RUN(test_tls12_client);
    RUN(test_bad_servers);
    RUN(test_read_timeout);
    RUN(test_reload);
    RUN(test_concurrent);
    RUN(test_bad_config);
    CHECK_INT(count_fds(), fds);        /* no socket left open */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pki_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_tls: could not remove %s\n", pki_dir);
    return unit_report();
}
