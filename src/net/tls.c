/* tls.c - see tls.h.  TLS 1.3 is RFC 8446.  The reasons in words for a
 * failed TLS call are in tls_why.c. */
#include "tls.h"
#include "helios.h"
#include "tls_int.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The TCP options of a context's connections. */
typedef struct SockOpts {
    int keepalive_s;        /* > 0: keepalive, idle time and probe interval */
    int nagle;              /* 1: no TCP_NODELAY */
} SockOpts;

struct HlTlsCtx {
    pthread_mutex_t mu;     /* guards ctx and so against a reload */
    SSL_CTX *ctx;           /* the current one; connections hold references to the old */
    SockOpts so;
    BIO_METHOD *bio;        /* our socket BIO; outlives every connection */
    int server;
};

/* ---- time ------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A deadline timeout_s from now; negative: none. */
static double deadline_after(double timeout_s)
{
    return timeout_s < 0 ? -1 : now_s() + timeout_s;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, double deadline)
{
    for (;;) {
        int ms = -1;
        if (deadline >= 0) {
            double left = deadline - now_s();
            if (left <= 0)
                return 0;
            ms = left * 1000 >= INT_MAX ? INT_MAX : (int)(left * 1000) + 1;
        }
        struct pollfd p = { fd, events, 0 };
        int r = poll(&p, 1, ms);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* ---- sockets --------------------------------------------------------- */

static int sock_setup(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

/* A connection's TCP options.  TCP_NODELAY by default: a frame is written
 * whole and then waited on, so Nagle's algorithm would only hold a small
 * frame's last segment for an ACK.  Keepalive finds a peer that vanished
 * (a machine switched off, a NAT that forgot us) while we wait between
 * rounds.  Best effort: an option the system refuses is not an error. */
static void sock_tune(int fd, SockOpts so)
{
    int nodelay = !so.nagle, ka = so.keepalive_s > 0;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, sizeof ka);
    if (ka) {
        int s = so.keepalive_s;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &s, sizeof s);
        (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &s, sizeof s);
    }
}

/* The context's socket options, read under its lock. */
static SockOpts ctx_sockopts(HlTlsCtx *x)
{
    pthread_mutex_lock(&x->mu);
    SockOpts so = x->so;
    pthread_mutex_unlock(&x->mu);
    return so;
}

/* "host:port", or "[v6]:port". */
static void host_port(char *buf, size_t size, const char *host, int port)
{
    snprintf(buf, size, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

static int sys_err(hl_err *err, const char *who, const char *what)
{
    return hl_err_set(err, HELIOS_IO, -1, "%s: %s: %s", who, what, strerror(errno));
}

int hl_tls_listen(const char *host, int port, int backlog, int *fd, int *bound_port,
                  hl_err *err)
{
    if (port < 0 || port > 65535 || !fd)
        return hl_err_set(err, HELIOS_MISUSE, -1, "port %d is out of range 0..65535", port);
    int any = !host || !*host || strcmp(host, "*") == 0;
    char where[300], service[16];
    host_port(where, sizeof where, any ? "*" : host, port);
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(any ? NULL : host, service, &hints, &res);
    if (g != 0)
        return hl_err_set(err, HELIOS_IO, -1, "cannot listen on %s: %s", where, gai_strerror(g));
    /* Every address: IPv6 first, made dual-stack, so one socket takes both. */
    int s = -1, saved = 0;
    for (int pass = 0; pass < 2 && s < 0; pass++)
        for (struct addrinfo *a = res; a && s < 0; a = a->ai_next) {
            if ((a->ai_family == AF_INET6) != (pass == 0))
                continue;
            s = socket(a->ai_family, SOCK_STREAM, 0);
            if (s < 0) {
                saved = errno;
                continue;
            }
            int one = 1, zero = 0;
            (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (any && a->ai_family == AF_INET6)
                (void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
            if (bind(s, a->ai_addr, a->ai_addrlen) != 0
                || listen(s, backlog > 0 ? backlog : SOMAXCONN) != 0 || sock_setup(s) != 0) {
                saved = errno;
                close(s);
                s = -1;
            }
        }
    freeaddrinfo(res);
    if (s < 0) {
        return hl_err_set(err, HELIOS_IO, -1, "cannot listen on %s: %s", where,
                          strerror(saved));
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int bound = port;
    if (getsockname(s, (struct sockaddr *)&ss, &len) == 0)
        bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    *fd = s;
    if (bound_port)
        *bound_port = bound;
    return HELIOS_OK;
}

/* ---- our socket BIO: send(MSG_NOSIGNAL), so no SIGPIPE ------------------ */

static int bio_write(BIO *b, const char *data, int len)
{
    HlTlsConn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n = send(c->fd, data, (size_t)len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return n < 0 ? -1 : (int)n;
}

static int bio_read(BIO *b, char *data, int len)
{
    HlTlsConn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n = recv(c->fd, data, (size_t)len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_read(b);
        return -1;
    }
    if (n == 0)
        BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    size_t keep = sizeof c->first - c->nfirst;
    if (keep > (size_t)n)
        keep = (size_t)n;
    memcpy(c->first + c->nfirst, data, keep);
    c->nfirst += keep;
    return (int)n;
}

static int bio_puts(BIO *b, const char *s)
{
    return bio_write(b, s, (int)strlen(s));
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    HlTlsConn *c = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:      /* tells OpenSSL an EOF from a retry */
        return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    case BIO_C_GET_FD:
        if (ptr)
            *(int *)ptr = c ? c->fd : -1;
        return c ? c->fd : -1;
    default:
        return 0;
    }
}

static BIO_METHOD *bio_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "helios socket");
    if (m && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read)
              || !BIO_meth_set_puts(m, bio_puts) || !BIO_meth_set_ctrl(m, bio_ctrl))) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

/* ---- describing what went wrong (the reasons in words: tls_why.c) ------- */

/* A wait that failed: w is wait_fd's 0 (timed out) or -1 (poll failed). */
static int conn_err(HlTlsConn *c, hl_err *err, int w, const char *what, double timeout_s)
{
    c->broken = 1;
    c->timed_out = w == 0;
    if (w == 0)
        return hl_err_set(err, HELIOS_IO, -1, "%s: %s timed out after %g s", c->label, what,
                          timeout_s);
    return hl_err_set(err, HELIOS_IO, -1, "%s: %s: poll: %s", c->label, what, strerror(errno));
}

/* ---- contexts -------------------------------------------------------- */

/* Remembers the peer certificate that fails, for the error message. */
static int verify_cb(int ok, X509_STORE_CTX *store)
{
    if (!ok) {
        SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
        HlTlsConn *c = ssl ? SSL_get_app_data(ssl) : NULL;
        X509 *leaf = X509_STORE_CTX_get0_cert(store);
        if (c && leaf && !c->bad_cert && X509_up_ref(leaf))
            c->bad_cert = leaf;
    }
    return ok;
}

/* "cannot load certificate 'x.pem': <why>": the file's errno when it cannot
 * be opened, else that it holds nothing usable, with OpenSSL's first reason. */
static int load_err(hl_err *err, const char *what, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        ERR_clear_error();
        return hl_err_set(err, HELIOS_IO, -1, "cannot load %s '%s': %s", what, path,
                          strerror(e));
    }
    fclose(f);
    unsigned long e = ERR_peek_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    hl_err_set(err, HELIOS_IO, -1, "cannot load %s '%s': not a usable PEM %s%s%s%s", what, path,
               what, why ? " (" : "", why ? why : "", why ? ")" : "");
    ERR_clear_error();
    return HELIOS_IO;
}

static int ctx_load(SSL_CTX *ctx, const HlTlsConfig *c, int server, hl_err *err)
{
    if (server && (!c->cert || !c->key))
        return hl_err_set(err, HELIOS_MISUSE, -1, "a TLS server needs a certificate and a key");
    if (c->cert && !c->key)
        return hl_err_set(err, HELIOS_MISUSE, -1, "certificate '%s' comes without its key",
                          c->cert);
    if (c->cert) {
        if (SSL_CTX_use_certificate_chain_file(ctx, c->cert) != 1)
            return load_err(err, "certificate", c->cert);
        int loaded = SSL_CTX_use_PrivateKey_file(ctx, c->key, SSL_FILETYPE_PEM) == 1;
        unsigned long e = ERR_peek_last_error();
        int mismatch = !loaded && ERR_GET_LIB(e) == ERR_LIB_X509
                       && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH
                           || ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH);
        if (!loaded && !mismatch)
            return load_err(err, "private key", c->key);
        if (mismatch || SSL_CTX_check_private_key(ctx) != 1) {
            ERR_clear_error();
            return hl_err_set(err, HELIOS_ERROR, -1, "certificate '%s' and key '%s' do not match",
                              c->cert, c->key);
        }
    }
    if (!c->verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return HELIOS_OK;
    }
    if (!c->ca || !*c->ca)
        return hl_err_set(err, HELIOS_MISUSE, -1, "verifying peers needs a CA file");
    struct stat st;
    int dir = stat(c->ca, &st) == 0 && S_ISDIR(st.st_mode);
    if ((dir ? SSL_CTX_load_verify_dir(ctx, c->ca) : SSL_CTX_load_verify_file(ctx, c->ca)) != 1)
        return load_err(err, "CA certificate", c->ca);
    if (server && !dir) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->ca);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);     /* takes them */
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       verify_cb);
    return HELIOS_OK;
}

/* A new SSL_CTX for c; NULL and err on failure. */
static SSL_CTX *ctx_build(const HlTlsConfig *c, int server, hl_err *err)
{
    if (!c) {
        hl_err_set(err, HELIOS_MISUSE, -1, "no TLS configuration");
        return NULL;
    }
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        ERR_clear_error();
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory for a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    /* partial writes: hl_tls_write loops itself, and a retry may move */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* no resumption: no session cache, no tickets to send after the handshake */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (server)
        SSL_CTX_set_num_tickets(ctx, 0);
    if (ctx_load(ctx, c, server, err) != HELIOS_OK) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static HlTlsCtx *ctx_new(const HlTlsConfig *c, int server, hl_err *err)
{
    SSL_CTX *ssl_ctx = ctx_build(c, server, err);
    if (!ssl_ctx)
        return NULL;
    HlTlsCtx *x = calloc(1, sizeof *x);
    if (!x || !(x->bio = bio_method()) || pthread_mutex_init(&x->mu, NULL) != 0) {
        if (x)
            BIO_meth_free(x->bio);
        free(x);
        SSL_CTX_free(ssl_ctx);
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory for a TLS context");
        return NULL;
    }
    x->ctx = ssl_ctx;
    x->so = (SockOpts){ c->keepalive_s, c->nagle };
    x->server = server;
    return x;
}

HlTlsCtx *hl_tls_server_ctx(const HlTlsConfig *c, hl_err *err)
{
    return ctx_new(c, 1, err);
}

HlTlsCtx *hl_tls_client_ctx(const HlTlsConfig *c, hl_err *err)
{
    return ctx_new(c, 0, err);
}

int hl_tls_ctx_reload(HlTlsCtx *x, const HlTlsConfig *c, hl_err *err)
{
    SSL_CTX *fresh = ctx_build(c, x->server, err);
    if (!fresh)
        return err->code;
    pthread_mutex_lock(&x->mu);
    SSL_CTX *old = x->ctx;
    x->ctx = fresh;
    x->so = (SockOpts){ c->keepalive_s, c->nagle };
    pthread_mutex_unlock(&x->mu);
    SSL_CTX_free(old);      /* open connections keep their own reference */
    return HELIOS_OK;
}

void hl_tls_ctx_free(HlTlsCtx *x)
{
    if (!x)
        return;
    SSL_CTX_free(x->ctx);
    BIO_meth_free(x->bio);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

/* ---- connections ------------------------------------------------------- */

static void conn_free(HlTlsConn *c)
{
    if (!c)
        return;
    SSL_free(c->ssl);       /* and its BIO */
    if (c->fd >= 0)
        close(c->fd);
    X509_free(c->bad_cert);
    free(c);
}

/* A connection on fd (which it takes) with an SSL from x's current context. */
static HlTlsConn *conn_new(HlTlsCtx *x, int fd, const char *label, hl_err *err)
{
    HlTlsConn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        hl_err_set(err, HELIOS_NOMEM, -1, "%s: out of memory", label);
        return NULL;
    }
    c->fd = fd;
    c->server = x->server;
    snprintf(c->label, sizeof c->label, "%s", label);
    pthread_mutex_lock(&x->mu);
    c->ssl = SSL_new(x->ctx);   /* holds a reference to that context */
    pthread_mutex_unlock(&x->mu);
    BIO *b = c->ssl ? BIO_new(x->bio) : NULL;
    if (!b) {
        ERR_clear_error();
        conn_free(c);
        hl_err_set(err, HELIOS_NOMEM, -1, "%s: out of memory", label);
        return NULL;
    }
    BIO_set_data(b, c);
    BIO_set_init(b, 1);
    SSL_set_bio(c->ssl, b, b);
    SSL_set_app_data(c->ssl, c);
    return c;
}

/* Reads and drops what the peer sent and we did not read, so that our
 * close() sends FIN, not RST, and the peer gets to read our alert. */
static void drain(int fd)
{
    char buf[4096];
    for (int i = 0; i < 16 && recv(fd, buf, sizeof buf, 0) > 0; i++)
        ;
}

/* The handshake, by the deadline (timeout_s is for the message). */
static int handshake(HlTlsConn *c, double deadline, double timeout_s, hl_err *err)
{
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int r = c->server ? SSL_accept(c->ssl) : SSL_connect(c->ssl);
        int sys = errno;
        if (r == 1)
            break;
        int e = SSL_get_error(c->ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            hl_tls_why_fail(c, e, sys, 1, err);
            drain(c->fd);
            return err->code;
        }
        int w = wait_fd(c->fd, ev, deadline);
        if (w <= 0)
            return conn_err(c, err, w, "handshake", timeout_s);
    }
    X509 *peer = SSL_get0_peer_certificate(c->ssl);
    if (peer && X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
                                          c->peer_cn, sizeof c->peer_cn) >= 0)
        c->has_cn = 1;
    return HELIOS_OK;
}

/* accept() on listen_fd: the new socket, -2 when none is pending, or -1
 * and err. */
static int take_fd(int listen_fd, struct sockaddr_storage *ss, socklen_t *len, hl_err *err)
{
    for (;;) {
        *len = sizeof *ss;
        int fd = accept(listen_fd, (struct sockaddr *)ss, len);
        if (fd >= 0)
            return fd;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -2;
        sys_err(err, "listener", "cannot accept a connection");
        return -1;
    }
}

/* A server connection on fd (which it takes), from the peer at ss, before
 * the handshake. */
static HlTlsConn *wrap_accepted(HlTlsCtx *x, int fd, const struct sockaddr_storage *ss,
                                socklen_t len, hl_err *err)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV], label[300];
    if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(host, sizeof host, "?");
        snprintf(serv, sizeof serv, "?");
    }
    const char *h = host;
    if (strncmp(h, "::ffff:", 7) == 0 && strchr(h, '.'))
        h += 7;     /* an IPv4 peer on a dual-stack socket */
    snprintf(label, sizeof label, strchr(h, ':') ? "peer [%s]:%s" : "peer %s:%s", h, serv);
    if (sock_setup(fd) != 0) {
        sys_err(err, label, "socket setup");
        close(fd);
        return NULL;
    }
    sock_tune(fd, ctx_sockopts(x));
    return conn_new(x, fd, label, err);
}

HlTlsConn *hl_tls_accept_tcp(HlTlsCtx *x, int listen_fd, hl_err *err)
{
    if (!x->server) {
        hl_err_set(err, HELIOS_MISUSE, -1, "a client's TLS context cannot accept");
        return NULL;
    }
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = take_fd(listen_fd, &ss, &len, err);
    return fd >= 0 ? wrap_accepted(x, fd, &ss, len, err) : NULL;
}

int hl_tls_handshake_server(HlTlsConn *c, double timeout_s, hl_err *err)
{
    if (!c || !c->server)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a server's handshake needs an accepted "
                          "connection");
    if (c->broken)
        return hl_err_set(err, HELIOS_IO, -1, "%s: the connection has failed", c->label);
    return handshake(c, deadline_after(timeout_s), timeout_s, err);
}

HlTlsConn *hl_tls_accept(HlTlsCtx *x, int listen_fd, double timeout_s, hl_err *err)
{
    if (!x->server) {
        hl_err_set(err, HELIOS_MISUSE, -1, "a client's TLS context cannot accept");
        return NULL;
    }
    double deadline = deadline_after(timeout_s);
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;
    while ((fd = take_fd(listen_fd, &ss, &len, err)) == -2) {
        int w = wait_fd(listen_fd, POLLIN, deadline);
        if (w == 0) {
            hl_err_set(err, HELIOS_IO, -1, "no connection within %g s", timeout_s);
            return NULL;
        }
        if (w < 0) {
            sys_err(err, "listener", "poll");
            return NULL;
        }
    }
    HlTlsConn *c = fd >= 0 ? wrap_accepted(x, fd, &ss, len, err) : NULL;
    if (c && hl_tls_handshake_server(c, timeout_s, err) != HELIOS_OK) {
        conn_free(c);
        return NULL;
    }
    return c;
}

/* A connected non-blocking TCP socket to host:port, trying each address
 * it resolves to before the deadline; -1 and err on failure. */
static int tcp_connect(const char *host, int port, SockOpts so, const char *label,
                       double timeout_s, double deadline, hl_err *err)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(host, service, &hints, &res);
    if (g != 0) {
        hl_err_set(err, HELIOS_IO, -1, "%s: cannot resolve '%s': %s", label, host,
                   gai_strerror(g));
        return -1;
    }
    int fd = -1, saved = ECONNREFUSED, timed_out = 0;
    for (struct addrinfo *a = res; a && fd < 0 && !timed_out; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM, 0);
        if (fd < 0 || sock_setup(fd) != 0) {
            saved = errno;
            if (fd >= 0)
                close(fd);
            fd = -1;
            continue;
        }
        sock_tune(fd, so);
        int r = connect(fd, a->ai_addr, a->ai_addrlen);
        if (r != 0 && (errno == EINPROGRESS || errno == EINTR)) {
            int w = wait_fd(fd, POLLOUT, deadline);
            socklen_t sl = sizeof saved;
            if (w == 0)
                timed_out = 1;
            else if (w < 0)
                saved = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &saved, &sl) == 0 && saved == 0)
                r = 0;
        } else if (r != 0)
            saved = errno;
        if (r != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (timed_out)
            hl_err_set(err, HELIOS_IO, -1, "%s: connection timed out after %g s", label,
                       timeout_s);
        else
            hl_err_set(err, HELIOS_IO, -1, "%s: cannot connect: %s", label, strerror(saved));
    }
    return fd;
}

static int is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* The server's certificate must match name: SAN DNS or IP, or the CN. */
static int expect_name(HlTlsConn *c, const char *name, hl_err *err)
{
    X509_VERIFY_PARAM *p = SSL_get0_param(c->ssl);
    int ok;
    if (is_ip(name))
        ok = X509_VERIFY_PARAM_set1_ip_asc(p, name);
    else {
        X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT
                                           | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = X509_VERIFY_PARAM_set1_host(p, name, 0);
    }
    if (!ok) {
        ERR_clear_error();
        return hl_err_set(err, HELIOS_MISUSE, -1, "%s: '%s' is not a name a certificate can "
                          "match", c->label, name);
    }
    c->expect = name;
    return HELIOS_OK;
}

HlTlsConn *hl_tls_connect(HlTlsCtx *x, const char *host, int port, const char *expect,
                          double timeout_s, hl_err *err)
{
    char where[300], label[310];
    if (!host || !*host || port <= 0 || port > 65535) {
        hl_err_set(err, HELIOS_MISUSE, -1, "no host and port to connect to");
        return NULL;
    }
    host_port(where, sizeof where, host, port);
    snprintf(label, sizeof label, "node %s", where);
    double deadline = deadline_after(timeout_s);
    int fd = tcp_connect(host, port, ctx_sockopts(x), label, timeout_s, deadline, err);
    if (fd < 0)
        return NULL;
    HlTlsConn *c = conn_new(x, fd, label, err);
    if (!c)
        return NULL;
    if (expect && SSL_get_verify_mode(c->ssl) != SSL_VERIFY_NONE
        && expect_name(c, expect, err) != HELIOS_OK) {
        conn_free(c);
        return NULL;
    }
    if (handshake(c, deadline, timeout_s, err) != HELIOS_OK) {
        conn_free(c);
        return NULL;
    }
    c->expect = NULL;       /* the caller's string: not kept past this call */
    return c;
}

/* ---- data ---------------------------------------------------------------- */

/* After an SSL call that failed with e: waits for the socket when that is
 * what it needs, else fails the connection. */
static int io_wait(HlTlsConn *c, int e, int sys, double deadline, const char *what,
                   double timeout_s, hl_err *err)
{
    short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (!ev)
        return hl_tls_why_fail(c, e, sys, 0, err);
    int w = wait_fd(c->fd, ev, deadline);
    if (w <= 0)
        return conn_err(c, err, w, what, timeout_s);
    return HELIOS_OK;
}

int hl_tls_write(HlTlsConn *c, const void *buf, size_t n, double timeout_s, hl_err *err)
{
    if (c->broken)
        return hl_err_set(err, HELIOS_IO, -1, "%s: the connection has failed", c->label);
    double deadline = deadline_after(timeout_s);
    size_t done = 0;
    while (done < n) {
        size_t w = 0;
        ERR_clear_error();
        errno = 0;
        if (SSL_write_ex(c->ssl, (const char *)buf + done, n - done, &w)) {
            done += w;
            continue;
        }
        int sys = errno;
        if (io_wait(c, SSL_get_error(c->ssl, 0), sys, deadline, "write", timeout_s, err))
            return err->code;
    }
    return HELIOS_OK;
}

int hl_tls_read(HlTlsConn *c, void *buf, size_t n, double timeout_s, hl_err *err)
{
    if (c->broken)
        return hl_err_set(err, HELIOS_IO, -1, "%s: the connection has failed", c->label);
    double deadline = deadline_after(timeout_s);
    size_t done = 0;
    while (done < n) {
        size_t r = 0;
        ERR_clear_error();
        errno = 0;
        if (SSL_read_ex(c->ssl, (char *)buf + done, n - done, &r)) {
            done += r;
            continue;
        }
        int sys = errno;
        if (io_wait(c, SSL_get_error(c->ssl, 0), sys, deadline, "read", timeout_s, err))
            return err->code;
    }
    return HELIOS_OK;
}

int hl_tls_pending(const HlTlsConn *c)
{
    return SSL_pending(c->ssl) > 0 || SSL_has_pending(c->ssl);
}

int hl_tls_timed_out(const HlTlsConn *c)
{
    return c && c->timed_out;
}

int hl_tls_export_key(const HlTlsConn *c, const char *label, unsigned char *out, size_t n,
                      hl_err *err)
{
    ERR_clear_error();
    if (!SSL_is_init_finished(c->ssl)
        || SSL_export_keying_material(c->ssl, out, n, label, strlen(label), NULL, 0, 0) != 1) {
        ERR_clear_error();
        return hl_err_set(err, HELIOS_ERROR, -1, "%s: cannot export keying material '%s'",
                          c->label, label);
    }
    return HELIOS_OK;
}

int hl_tls_is_server(const HlTlsConn *c)
{
    return c->server;
}

const char *hl_tls_peer_name(const HlTlsConn *c)
{
    return c && c->has_cn ? c->peer_cn : NULL;
}

const char *hl_tls_peer_addr(const HlTlsConn *c)
{
    const char *sp = strchr(c->label, ' ');
    return sp ? sp + 1 : c->label;
}

int hl_tls_fd(const HlTlsConn *c)
{
    return c ? c->fd : -1;
}

void hl_tls_close(HlTlsConn *c)
{
    if (!c)
        return;
    /* one try at close_notify: the socket is non-blocking, so this never waits */
    if (!c->broken && SSL_is_init_finished(c->ssl)) {
        ERR_clear_error();
        SSL_shutdown(c->ssl);
    }
    ERR_clear_error();
    conn_free(c);
}
