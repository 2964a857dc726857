/* remote.c - the node interface over TLS: the coordinator's remote node and
 * helios-node's serving of one connection; see remote.h. */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "helios.h"
#include "local_node.h"

/* ---- frames -------------------------------------------------------------------- */

int hl_net_send(HlTlsConn *c, int type, const uint8_t *body, size_t len, double timeout_s,
                hl_err *err)
{
    return hl_net_send_z(c, type, body, len, 0, timeout_s, err);
}

int hl_net_send_z(HlTlsConn *c, int type, const uint8_t *body, size_t len, int zstd_level,
                  double timeout_s, hl_err *err)
{
    uint8_t hdr[HL_WIRE_HEADER];
    uint16_t flags = 0;
    uint8_t *z = NULL;
    if (zstd_level > 0 && len >= 256 && (type == HL_FRAME_REQUEST || type == HL_FRAME_RESPONSE)) {
        size_t bound = ZSTD_compressBound(len);
        if ((z = malloc(bound))) {
            size_t zn = ZSTD_compress(z, bound, body, len, zstd_level);
            if (!ZSTD_isError(zn) && zn < len) {
                body = z;
                len = zn;
                flags = HL_WIRE_F_ZSTD;
            }
        }
    }
    HlFrameHeader h = { .version = HL_WIRE_VERSION, .type = (uint8_t)type, .flags = flags,
                        .length = (uint32_t)len };
    int rc = len > hl_wire_max_length(type)
             ? hl_err_set(err, HELIOS_ERROR, -1, "a %s frame of %zu bytes is over its limit",
                          hl_wire_frame_name(type), len)
             : HELIOS_OK;
    if (rc == HELIOS_OK) {
        hl_wire_header_write(hdr, &h);
        rc = hl_tls_write(c, hdr, sizeof hdr, timeout_s, err);
    }
    if (rc == HELIOS_OK && len)
        rc = hl_tls_write(c, body, len, timeout_s, err);
    free(z);
    return rc;
}

int hl_net_recv(HlTlsConn *c, HlFrameHeader *h, uint8_t **body, double timeout_s, hl_err *err)
{
    uint8_t hdr[HL_WIRE_HEADER];
    *body = NULL;
    int rc = hl_tls_read(c, hdr, sizeof hdr, timeout_s, err);
    if (rc == HELIOS_OK)
        rc = hl_wire_header_parse(hdr, sizeof hdr, h, err);
    if (rc != HELIOS_OK || h->length == 0)
        return rc;
    if (!(*body = malloc(h->length)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    rc = hl_tls_read(c, *body, h->length, timeout_s, err);
    if (rc == HELIOS_OK && (h->flags & HL_WIRE_F_ZSTD)) {
        /* bounded: the frame says its size, and it must be within limits */
        unsigned long long n = ZSTD_getFrameContentSize(*body, h->length);
        uint8_t *plain = NULL;
        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > HL_WIRE_MAX_MSG)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "a compressed %s frame does not say a size within %u bytes",
                            hl_wire_frame_name(h->type), (unsigned)HL_WIRE_MAX_MSG);
        else if (!(plain = malloc(n ? (size_t)n : 1)))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        else {
            size_t got = ZSTD_decompress(plain, (size_t)n, *body, h->length);
            if (ZSTD_isError(got) || got != n) {
                free(plain);
                plain = NULL;
                rc = hl_err_set(err, HELIOS_ERROR, -1, "a compressed %s frame is corrupt",
                                hl_wire_frame_name(h->type));
            }
        }
        if (rc == HELIOS_OK) {
            free(*body);
            *body = plain;
            h->length = (uint32_t)n;
        }
    }
    if (rc != HELIOS_OK) {
        free(*body);
        *body = NULL;
    }
    return rc;
}

/* ---- endpoints -------------------------------------------------------------------- */

int hl_remote_parse_endpoint(const char *endpoint, char **host, int *port, hl_err *err)
{
    const char *p = NULL;
    *host = NULL;
    if (strncmp(endpoint, "tls://", 6) == 0)
        p = endpoint + 6;
    else if (strncmp(endpoint, "https://", 8) == 0)
        p = endpoint + 8;
    else
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "endpoint '%s' is not 'tls://host:port', 'https://host:port' or 'local'",
                          endpoint);
    const char *hs = p, *he, *colon;
    if (*p == '[') {
        hs = p + 1;
        he = strchr(hs, ']');
        if (!he || he[1] != ':')
            return hl_err_set(err, HELIOS_OPTION, -1,
                              "endpoint '%s': an IPv6 address is written [addr]:port", endpoint);
        colon = he + 1;
    } else {
        colon = strrchr(p, ':');
        he = colon;
    }
    if (!colon || he == hs)
        return hl_err_set(err, HELIOS_OPTION, -1, "endpoint '%s' has no host:port", endpoint);
    char *end;
    long v = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end && strcmp(end, "/") != 0) || v < 1 || v > 65535)
        return hl_err_set(err, HELIOS_OPTION, -1, "endpoint '%s': the port must be 1 to 65535",
                          endpoint);
    if (!(*host = strndup(hs, (size_t)(he - hs))))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    *port = (int)v;
    return HELIOS_OK;
}

/* ---- the coordinator's side ------------------------------------------------------ */

typedef struct Remote {
    char *endpoint, *backup;
    HlTlsCtx *ctx;
    HlTlsConn *conn;
    double timeout;
    int zlevel;                 /* zstd level of requests; 0: none */
    /* The last SETUP request: a node that went away and came back (a new
     * connection: a new process, its rows not loaded) gets it again
     * before anything else, so that it rejoins the run's next round. */
    HlMsg setup;
    int have_setup, connected_before;
} Remote;

static int remember_setup(Remote *r, const HlMsg *req)
{
    hl_msg_clear(&r->setup);
    r->have_setup = 0;
    r->setup.type = HL_MSG_SETUP;
    r->setup.seed = req->seed;
    r->setup.validation_split = req->validation_split;
    if ((req->source && !(r->setup.source = strdup(req->source)))
        || (req->encoding && !(r->setup.encoding = strdup(req->encoding)))) {
        hl_msg_clear(&r->setup);
        return HELIOS_NOMEM;
    }
    r->have_setup = 1;
    return HELIOS_OK;
}

static int roundtrip(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err);

/* Connects to one endpoint and says HELLO. */
static HlTlsConn *dial(HlNode *node, const char *endpoint, hl_err *err)
{
    Remote *r = node->impl;
    char *host = NULL;
    int port = 0;
    if (hl_remote_parse_endpoint(endpoint, &host, &port, err) != HELIOS_OK)
        return NULL;
    /* the node's certificate must name the registered node, or the host */
    HlTlsConn *c = hl_tls_connect(r->ctx, host, port, node->name, r->timeout, err);
    if (!c) {
        hl_err e2;
        hl_err_clear(&e2);
        c = hl_tls_connect(r->ctx, host, port, host, r->timeout, &e2);
        if (c)
            hl_err_clear(err);
    }
    free(host);
    if (!c)
        return NULL;
    HlWireHello hello = { .version_min = HL_WIRE_VERSION, .version_max = HL_WIRE_VERSION,
                          .name = node->name, .node_id = node->id,
                          .helios_version = (char *)helios_version() };
    uint8_t *body = NULL;
    size_t len = 0;
    HlFrameHeader h;
    int rc = hl_wire_encode_hello(&hello, &body, &len, err);
    if (rc == HELIOS_OK)
        rc = hl_net_send(c, HL_FRAME_HELLO, body, len, r->timeout, err);
    free(body);
    body = NULL;
    if (rc == HELIOS_OK)
        rc = hl_net_recv(c, &h, &body, r->timeout, err);
    if (rc == HELIOS_OK && h.type == HL_FRAME_ERROR) {
        int code = 0;
        char msg[256];
        if (hl_wire_decode_error(body, h.length, &code, msg, sizeof msg, err) == HELIOS_OK)
            rc = hl_err_set(err, HELIOS_ERROR, -1, "%s", msg);
        else
            rc = err->code;
    } else if (rc == HELIOS_OK && h.type != HL_FRAME_HELLO)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the node answered HELLO with frame type %d",
                        h.type);
    if (rc == HELIOS_OK) {
        HlWireHello back;
        memset(&back, 0, sizeof back);
        rc = hl_wire_decode_hello(body, h.length, &back, err);
        hl_wire_hello_clear(&back);
    }
    free(body);
    if (rc != HELIOS_OK) {
        hl_tls_close(c);
        return NULL;
    }
    return c;
}

static int ensure(HlNode *node, hl_err *err)
{
    Remote *r = node->impl;
    if (r->conn)
        return HELIOS_OK;
    r->conn = dial(node, r->endpoint, err);
    if (!r->conn && r->backup) {
        hl_err e2;
        hl_err_clear(&e2);
        if ((r->conn = dial(node, r->backup, &e2)))
            hl_err_clear(err);
    }
    if (!r->conn) {
        hl_err_prefix(err, HELIOS_IO, "node '%s' (%s): ", node->name, r->endpoint);
        return err->code;
    }
    return HELIOS_OK;
}

static int remote_exchange(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    Remote *r = node->impl;
    int fresh = !r->conn;
    int rc = ensure(node, err);
    if (rc == HELIOS_OK && fresh && r->connected_before && r->have_setup
        && req->type != HL_MSG_SCHEMA && req->type != HL_MSG_STATS && req->type != HL_MSG_SETUP) {
        /* back after a break: load the rows again first */
        HlMsg again;
        memset(&again, 0, sizeof again);
        rc = roundtrip(node, &r->setup, &again, err);
        hl_msg_clear(&again);
    }
    if (rc == HELIOS_OK)
        r->connected_before = 1;
    if (rc == HELIOS_OK && req->type == HL_MSG_SETUP && remember_setup(r, req) != HELIOS_OK)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc != HELIOS_OK) {
        hl_msg_clear(resp);
        resp->type = req->type;
        return rc;
    }
    return roundtrip(node, req, resp, err);
}

/* One request, one response, on the open connection (closed on an I/O
 * error or a garbled answer, to be opened again next time). */
static int roundtrip(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    Remote *r = node->impl;
    int rc = HELIOS_OK;
    uint8_t *body = NULL;
    size_t len = 0;
    HlFrameHeader h;
    if (rc == HELIOS_OK)
        rc = hl_wire_encode_msg(req, 1, &body, &len, err);
    if (rc == HELIOS_OK)
        rc = hl_net_send_z(r->conn, HL_FRAME_REQUEST, body, len, r->zlevel, r->timeout, err);
    free(body);
    body = NULL;
    if (rc == HELIOS_OK)
        rc = hl_net_recv(r->conn, &h, &body, r->timeout, err);
    int io = rc != HELIOS_OK;
    if (rc == HELIOS_OK && h.type == HL_FRAME_RESPONSE) {
        rc = hl_wire_decode_msg(body, h.length, 0, resp, err);
        if (rc == HELIOS_OK && resp->type != req->type)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "node '%s' answered a request of phase %d with phase %d", node->name,
                            (int)req->type, (int)resp->type);
        io = rc != HELIOS_OK;       /* a garbled answer: start again on a new connection */
    } else if (rc == HELIOS_OK && h.type == HL_FRAME_ERROR) {
        int code = HELIOS_ERROR;
        char msg[sizeof err->msg];
        if ((rc = hl_wire_decode_error(body, h.length, &code, msg, sizeof msg, err)) == HELIOS_OK)
            rc = hl_err_set(err, code > 0 && code < 100 ? code : HELIOS_ERROR, -1, "%s", msg);
    } else if (rc == HELIOS_OK) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "node '%s' answered with frame type %d",
                        node->name, h.type);
        io = 1;
    }
    free(body);
    if (io && r->conn) {
        hl_tls_close(r->conn);
        r->conn = NULL;
    }
    if (rc != HELIOS_OK) {
        hl_msg_clear(resp);
        resp->type = req->type;
    }
    return rc;
}

static void remote_close(HlNode *node)
{
    if (!node)
        return;
    Remote *r = node->impl;
    if (r) {
        if (r->conn) {
            hl_err e;
            hl_err_clear(&e);
            hl_net_send(r->conn, HL_FRAME_BYE, NULL, 0, 1.0, &e);
            hl_tls_close(r->conn);
        }
        hl_tls_ctx_free(r->ctx);
        hl_msg_clear(&r->setup);
        free(r->endpoint);
        free(r->backup);
        free(r);
    }
    free(node->name);
    free(node);
}

static const HlNodeOps remote_ops = { "tls", remote_exchange, remote_close };

HlNode *hl_remote_node_new(int64_t id, const char *name, const char *endpoint,
                           const char *backup, const HlTlsConfig *tls, double timeout_s,
                           int zstd_level, hl_err *err)
{
    char *host = NULL;
    int port;
    if (hl_remote_parse_endpoint(endpoint, &host, &port, err) != HELIOS_OK)
        return NULL;
    free(host);
    host = NULL;
    if (backup && hl_remote_parse_endpoint(backup, &host, &port, err) != HELIOS_OK)
        return NULL;
    free(host);
    HlNode *node = calloc(1, sizeof *node);
    Remote *r = calloc(1, sizeof *r);
    if (!node || !r || !(node->name = strdup(name)) || !(r->endpoint = strdup(endpoint))
        || (backup && !(r->backup = strdup(backup)))) {
        if (node)
            free(node->name);
        if (r) {
            free(r->endpoint);
            free(r->backup);
        }
        free(node);
        free(r);
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    node->ops = &remote_ops;
    node->id = id;
    node->impl = r;
    r->timeout = timeout_s > 0 ? timeout_s : 300;
    r->zlevel = zstd_level > 0 ? zstd_level : 0;
    if (!(r->ctx = hl_tls_client_ctx(tls, err))) {
        hl_err_prefix(err, 0, "node '%s': ", name);
        remote_close(node);
        return NULL;
    }
    return node;
}

/* ---- helios-node's side ------------------------------------------------------------- */

static int send_error(HlTlsConn *c, int code, const char *msg, hl_err *err)
{
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = hl_wire_encode_error(code, msg, &body, &len, err);
    if (rc == HELIOS_OK)
        rc = hl_net_send(c, HL_FRAME_ERROR, body, len, 30, err);
    free(body);
    return rc;
}

int hl_node_serve(HlTlsConn *c, const char *name, const char *db_path, const char *filter,
                  volatile sig_atomic_t *stop, hl_err *err)
{
    HlFrameHeader h;
    uint8_t *body = NULL;
    HlNode *local = NULL;
    /* HELLO: which node the coordinator wants, and its id (the random
     * streams' seed); a long idle wait is allowed for the first frame */
    int rc = hl_net_recv(c, &h, &body, 60, err);
    if (rc == HELIOS_OK && h.type != HL_FRAME_HELLO)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "expected HELLO, got frame type %d", h.type);
    HlWireHello hello;
    memset(&hello, 0, sizeof hello);
    if (rc == HELIOS_OK)
        rc = hl_wire_decode_hello(body, h.length, &hello, err);
    free(body);
    body = NULL;
    if (rc == HELIOS_OK && (hello.version_max < HL_WIRE_VERSION || hello.version_min > HL_WIRE_VERSION)) {
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "the coordinator speaks protocol versions %u to %u, this node %d",
                        hello.version_min, hello.version_max, HL_WIRE_VERSION);
        hl_err e2;
        hl_err_clear(&e2);
        send_error(c, HELIOS_ERROR, err->msg, &e2);
    }
    if (rc == HELIOS_OK && !(local = hl_local_node_new(hello.node_id, hello.name ? hello.name : name,
                                                        db_path, filter, err))) {
        rc = err->code;
    }
    if (rc == HELIOS_OK) {
        HlWireHello me = { .version_min = HL_WIRE_VERSION, .version_max = HL_WIRE_VERSION,
                           .name = (char *)name, .node_id = hello.node_id,
                           .helios_version = (char *)helios_version() };
        size_t len = 0;
        rc = hl_wire_encode_hello(&me, &body, &len, err);
        if (rc == HELIOS_OK)
            rc = hl_net_send(c, HL_FRAME_HELLO, body, len, 30, err);
        free(body);
        body = NULL;
    }
    hl_wire_hello_clear(&hello);
    while (rc == HELIOS_OK && !*stop) {
        /* the coordinator may think for long between rounds */
        rc = hl_net_recv(c, &h, &body, 24 * 3600.0, err);
        if (rc != HELIOS_OK)
            break;
        if (h.type == HL_FRAME_BYE) {
            free(body);
            body = NULL;
            break;
        }
        if (h.type == HL_FRAME_PING) {
            free(body);
            body = NULL;
            rc = hl_net_send(c, HL_FRAME_PONG, NULL, 0, 30, err);
            continue;
        }
        if (h.type != HL_FRAME_REQUEST) {
            rc = hl_err_set(err, HELIOS_ERROR, -1, "unexpected frame type %d", h.type);
            break;
        }
        HlMsg req, resp;
        memset(&req, 0, sizeof req);
        memset(&resp, 0, sizeof resp);
        int zin = (h.flags & HL_WIRE_F_ZSTD) != 0;  /* answer as asked */
        rc = hl_wire_decode_msg(body, h.length, 1, &req, err);
        free(body);
        body = NULL;
        if (rc != HELIOS_OK)
            break;          /* a malformed request: close this connection */
        hl_err nerr;
        hl_err_clear(&nerr);
        if (local->ops->exchange(local, &req, &resp, &nerr) == HELIOS_OK) {
            size_t len = 0;
            rc = hl_wire_encode_msg(&resp, 0, &body, &len, err);
            if (rc == HELIOS_OK)
                rc = hl_net_send_z(c, HL_FRAME_RESPONSE, body, len, zin ? 3 : 0, 300, err);
            free(body);
            body = NULL;
        } else
            rc = send_error(c, nerr.code, nerr.msg, err);
        hl_msg_clear(&req);
        hl_msg_clear(&resp);
    }
    free(body);
    if (local)
        local->ops->close(local);
    return rc;
}
