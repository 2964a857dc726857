/* remote.c - the node interface over TLS: the coordinator's remote node and
 * helios-node's serving of one connection; see remote.h.  Frames go
 * through a session (frame_io.h). */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "helios.h"
#include "local_node.h"
#include "update_codec.h"

#define DEFAULT_TIMEOUT 300.0           /* an exchange, when none is given */
#define DEFAULT_RECONNECT 10.0          /* seconds between dials, when none is given */
#define HELLO_WAIT 60.0                 /* the node waits this long for HELLO */
#define CONTROL_WAIT 30.0               /* ... and to send a control frame */
#define IDLE_WAIT (24 * 3600.0)         /* ... and for the next request */
#define ANSWER_WAIT 300.0               /* ... and to send an answer, plus its pacing */

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
    HlTlsConn *conn;            /* NULL: not connected */
    HlNetSession s;             /* conn's session */
    double timeout, reconnect_interval, mbps;
    int codec, level, seal, auto_reconnect;
    /* The last SETUP request: a node that went away and came back (a new
     * connection: a new process, its rows not loaded) gets it again
     * before anything else, so that it rejoins the run's next round. */
    HlMsg setup;
    int have_setup;
    int connected_before;       /* a dial has succeeded once */
    int lost;                   /* the connection broke (not a timeout of ours) */
    char why[200];              /* how it broke, for the errors that follow */
    double next_dial;           /* with auto_reconnect: no dial before this time */
    int64_t sent, received;     /* frame bytes of the connections closed so far */
    int held;                   /* the model version the node holds on this connection
                                   (node.h: version); 0: none */
    char *held_config;          /* the train_config it holds (NULL: none) */
} Remote;

/* One exchange's clock: it ends by `end`, `limit` seconds after it began. */
typedef struct Clock {
    double end, limit;
    int timed_out;              /* the exchange failed because the time ran out */
} Clock;

static double left(const Clock *k)
{
    double l = k->end - hl_now_seconds();
    return l > 0 ? l : 0;
}

static int64_t bytes_out(const Remote *r)
{
    return r->sent + (r->conn ? r->s.bytes_out : 0);
}

static int64_t bytes_in(const Remote *r)
{
    return r->received + (r->conn ? r->s.bytes_in : 0);
}

/* Closes the connection, its bytes kept in the totals; lost: it broke. */
static void drop(Remote *r, int lost)
{
    if (!r->conn)
        return;
    r->sent += r->s.bytes_out;
    r->received += r->s.bytes_in;
    hl_net_session_wipe(&r->s);
    hl_tls_close(r->conn);
    r->conn = NULL;
    r->held = 0;
    free(r->held_config);
    r->held_config = NULL;
    r->lost |= lost;
}

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

/* An ERROR frame's message into err, with its code (HELIOS_ERROR for one
 * out of range). */
static int error_frame(const uint8_t *body, size_t len, hl_err *err)
{
    int code = HELIOS_ERROR;
    char msg[HL_ERR_MSG_MAX];
    if (hl_wire_decode_error(body, len, &code, msg, sizeof msg, err) != HELIOS_OK)
        return err->code;
    return hl_err_set(err, code > 0 && code < 100 ? code : HELIOS_ERROR, -1, "%s", msg);
}

/* HELLO both ways on a new session; the node must be able to read what
 * we will send it. */
static int hello(HlNode *node, HlNetSession *s, Clock *k, hl_err *err)
{
    Remote *r = node->impl;
    HlWireHello me = { .version_min = HL_WIRE_VERSION, .version_max = HL_WIRE_VERSION,
                       .name = node->name, .node_id = node->id,
                       .helios_version = (char *)helios_version(), .accepts = HL_WIRE_F_KNOWN,
                       .max_bandwidth_mbps = r->mbps, .seal = r->seal,
                       .codec = r->codec, .codec_level = r->codec ? r->level : 0 };
    HlWireHello back;
    uint8_t *body = NULL;
    size_t len = 0;
    HlFrameHeader h;
    memset(&back, 0, sizeof back);
    int rc = hl_wire_encode_hello(&me, &body, &len, err);
    if (rc == HELIOS_OK)
        rc = hl_net_send(s, HL_FRAME_HELLO, body, len, left(k), err);
    free(body);
    body = NULL;
    if (rc == HELIOS_OK)
        rc = hl_net_recv(s, &h, &body, left(k), err);
    if (rc == HELIOS_OK && h.type == HL_FRAME_ERROR)
        rc = error_frame(body, h.length, err);
    else if (rc == HELIOS_OK && h.type != HL_FRAME_HELLO)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the node answered HELLO with a %s frame",
                        hl_wire_frame_name(h.type));
    if (rc == HELIOS_OK)
        rc = hl_wire_decode_hello(body, h.length, &back, err);
    free(body);
    if (rc == HELIOS_OK && !hl_wire_hello_version(&me, &back))
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the node speaks protocol versions %d to %d, "
                        "this coordinator %d", back.version_min, back.version_max,
                        HL_WIRE_VERSION);
    /* (zstd is not asked about: the first nodes read it and said nothing) */
    if (rc == HELIOS_OK && r->seal && !(back.accepts & HL_WIRE_F_SEALED))
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the node (helios %s) cannot open sealed frames; "
                        "upgrade it, or set encryption = 'none'", back.helios_version);
    if (rc == HELIOS_OK && r->codec == HL_CODEC_LZ4 && !(back.accepts & HL_WIRE_F_LZ4))
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the node (helios %s) cannot read lz4 frames; "
                        "upgrade it, or use compression = 'zstd'", back.helios_version);
    hl_wire_hello_clear(&back);
    s->codec = r->codec;
    s->level = r->level;
    s->seal = s->require_sealed = r->seal;
    return rc;
}

/* Connects to one endpoint and says HELLO; the connection and its session
 * become r's. */
static int dial(HlNode *node, const char *endpoint, Clock *k, hl_err *err)
{
    Remote *r = node->impl;
    char *host = NULL;
    int port = 0;
    if (hl_remote_parse_endpoint(endpoint, &host, &port, err) != HELIOS_OK)
        return err->code;
    /* the node's certificate must name the registered node, or the host */
    HlTlsConn *c = hl_tls_connect(r->ctx, host, port, node->name, left(k), err);
    if (!c && left(k) > 0) {
        hl_err e2;
        hl_err_clear(&e2);
        if ((c = hl_tls_connect(r->ctx, host, port, host, left(k), &e2)))
            hl_err_clear(err);
    }
    free(host);
    if (!c)
        return err->code;
    HlNetSession s;
    int rc = hl_net_session_init(&s, c, err);
    if (rc == HELIOS_OK)
        rc = hello(node, &s, k, err);
    if (rc != HELIOS_OK) {
        r->sent += s.bytes_out;
        r->received += s.bytes_in;
        k->timed_out |= s.timed_out;
        hl_net_session_wipe(&s);
        hl_tls_close(c);
        return rc;
    }
    r->conn = c;
    r->s = s;
    hl_net_session_wipe(&s);
    return HELIOS_OK;
}

/* A connection, by the rules of auto_reconnect (remote.h). */
static int ensure(HlNode *node, Clock *k, hl_err *err)
{
    Remote *r = node->impl;
    double now = hl_now_seconds();
    if (r->conn)
        return HELIOS_OK;
    if (r->lost && !r->auto_reconnect)
        return hl_err_set(err, HELIOS_IO, -1,
                          "node '%s': connection lost (auto_reconnect is off): %s", node->name,
                          r->why[0] ? r->why : "closed");
    if (r->auto_reconnect && now < r->next_dial)
        return hl_err_set(err, HELIOS_IO, -1, "node '%s': reconnecting in %d s", node->name,
                          (int)(r->next_dial - now + 0.999));
    int rc = dial(node, r->endpoint, k, err);
    if (rc != HELIOS_OK && r->backup && left(k) > 0) {
        hl_err e2;
        hl_err_clear(&e2);
        if ((rc = dial(node, r->backup, k, &e2)) == HELIOS_OK)
            hl_err_clear(err);
    }
    if (rc != HELIOS_OK) {
        /* out of time: the node is slow (its kernel took the connection, it
         * did not answer), not gone, and the next exchange may wait again */
        if (left(k) <= 0)
            k->timed_out = 1;
        else if (r->auto_reconnect)
            r->next_dial = hl_now_seconds() + r->reconnect_interval;
        hl_err_prefix(err, HELIOS_IO, "node '%s' (%s): ", node->name, r->endpoint);
        return err->code;
    }
    r->lost = 0;
    r->next_dial = 0;
    r->connected_before = 1;
    return HELIOS_OK;
}

/* One request, one response, on the open connection.  An I/O error or a
 * garbled answer closes it (a timeout too: the answer may be in flight);
 * an ERROR frame, the node's failure, leaves it open. */
static int roundtrip(HlNode *node, const HlMsg *req, HlMsg *resp, Clock *k, hl_err *err)
{
    Remote *r = node->impl;
    uint8_t *body = NULL;
    size_t len = 0;
    HlFrameHeader h;
    /* the global model: nothing when the node holds it, coded when it holds
     * the previous one, else whole (node.h: version) */
    HlMsg q = *req;
    int coded = req->update_bits && r->held && r->held == req->down_base;
    if (req->version > 0 && (r->held == req->version || coded)) {
        q.params = NULL;
        q.nparams = 0;
    }
    if (req->version > 0 && (r->held == req->version || !coded)) {
        q.down_base = q.update_bits = q.update_p = 0;
        q.update_scale = 0;
        q.update_values = NULL;
        q.update_values_len = 0;
    }
    if (req->version > 0 && req->train_config && r->held_config
        && strcmp(req->train_config, r->held_config) == 0)
        q.train_config = NULL;
    int rc = hl_wire_encode_msg(&q, 1, &body, &len, err);
    r->held = 0;                /* until the answer says the node took it */
    if (req->version > 0 && !q.train_config) {
        /* held since an earlier request */
    } else {
        free(r->held_config);
        r->held_config = NULL;
    }
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_net_send(&r->s, HL_FRAME_REQUEST, body, len, left(k), err);
    free(body);
    body = NULL;
    if (rc == HELIOS_OK)
        rc = hl_net_recv(&r->s, &h, &body, left(k), err);
    int io = rc != HELIOS_OK;
    if (rc == HELIOS_OK && h.type == HL_FRAME_RESPONSE) {
        rc = hl_wire_decode_msg(body, h.length, 0, resp, err);
        if (rc == HELIOS_OK && resp->type != req->type)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "node '%s' answered a request of phase %d with phase %d", node->name,
                            (int)req->type, (int)resp->type);
        io = rc != HELIOS_OK;       /* a garbled answer: start again on a new connection */
        if (rc == HELIOS_OK && req->version > 0) {
            r->held = req->version;
            if (!r->held_config && req->train_config)
                r->held_config = strdup(req->train_config);  /* NULL: sent again */
        }
    } else if (rc == HELIOS_OK && h.type == HL_FRAME_ERROR)
        rc = error_frame(body, h.length, err);
    else if (rc == HELIOS_OK) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "node '%s' answered with a %s frame", node->name,
                        hl_wire_frame_name(h.type));
        io = 1;
    }
    free(body);
    if (io) {
        k->timed_out |= r->s.timed_out;
        if (!k->timed_out)
            snprintf(r->why, sizeof r->why, "%.199s", err->msg);
        drop(r, !k->timed_out);
    }
    return rc;
}

static int remote_exchange(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    Remote *r = node->impl;
    double t0 = hl_now_seconds();
    Clock k = { t0 + r->timeout, r->timeout, 0 };
    if (req->deadline > 0 && req->deadline - t0 < k.limit) {
        k.end = req->deadline;
        k.limit = req->deadline - t0 > 0 ? req->deadline - t0 : 0;
    }
    int64_t out0 = bytes_out(r), in0 = bytes_in(r);
    int back = !r->conn && r->connected_before;
    hl_err e;
    hl_err_clear(&e);
    int rc = k.limit > 0 ? ensure(node, &k, &e) : HELIOS_IO;
    if (k.limit <= 0)
        k.timed_out = 1;
    if (rc == HELIOS_OK && back && r->have_setup && req->type != HL_MSG_SCHEMA
        && req->type != HL_MSG_STATS && req->type != HL_MSG_SETUP
        && req->type != HL_MSG_QUALITY) {
        /* back after a break: load the rows again first */
        HlMsg again;
        memset(&again, 0, sizeof again);
        rc = roundtrip(node, &r->setup, &again, &k, &e);
        hl_msg_clear(&again);
    }
    if (rc == HELIOS_OK && req->type == HL_MSG_SETUP && remember_setup(r, req) != HELIOS_OK)
        rc = hl_err_set(&e, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = roundtrip(node, req, resp, &k, &e);
    if (rc != HELIOS_OK) {
        hl_msg_clear(resp);
        resp->type = req->type;
        resp->timed_out = k.timed_out;
        if (k.timed_out)
            rc = hl_err_set(err, HELIOS_IO, -1, "node '%s' did not answer within %.1f s",
                            node->name, k.limit);
        else
            rc = hl_err_set(err, e.code ? e.code : HELIOS_ERROR, -1, "%s", e.msg);
    }
    resp->wire_sent = bytes_out(r) - out0;
    resp->wire_received = bytes_in(r) - in0;
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
            hl_net_send(&r->s, HL_FRAME_BYE, NULL, 0, 1.0, &e);
            drop(r, 0);
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
                           const HlRemoteOpts *o, hl_err *err)
{
    char *host = NULL;
    int port;
    if (hl_remote_parse_endpoint(endpoint, &host, &port, err) != HELIOS_OK)
        return NULL;
    free(host);
    host = NULL;
    if (o->backup && hl_remote_parse_endpoint(o->backup, &host, &port, err) != HELIOS_OK)
        return NULL;
    free(host);
    if (o->codec < HL_CODEC_NONE || o->codec > HL_CODEC_LZ4) {
        hl_err_set(err, HELIOS_MISUSE, -1, "node '%s': no codec %d", name, o->codec);
        return NULL;
    }
    HlNode *node = calloc(1, sizeof *node);
    Remote *r = calloc(1, sizeof *r);
    if (!node || !r || !(node->name = strdup(name)) || !(r->endpoint = strdup(endpoint))
        || (o->backup && !(r->backup = strdup(o->backup)))) {
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
    r->timeout = o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT;
    r->codec = o->codec;
    r->level = o->level > 0 ? o->level : 0;
    r->seal = o->seal != 0;
    r->mbps = o->max_bandwidth_mbps > 0 ? o->max_bandwidth_mbps : 0;
    r->auto_reconnect = o->auto_reconnect != 0;
    r->reconnect_interval = o->reconnect_interval > 0 ? o->reconnect_interval : DEFAULT_RECONNECT;
    if (!(r->ctx = hl_tls_client_ctx(&o->tls, err))) {
        hl_err_prefix(err, 0, "node '%s': ", name);
        remote_close(node);
        return NULL;
    }
    return node;
}

/* ---- helios-node's side ------------------------------------------------------------- */

static int send_error(HlNetSession *s, int code, const char *msg, hl_err *err)
{
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = hl_wire_encode_error(code, msg, &body, &len, err);
    if (rc == HELIOS_OK)
        rc = hl_net_send(s, HL_FRAME_ERROR, body, len, CONTROL_WAIT, err);
    free(body);
    return rc;
}

/* The lower of two limits in Mbit/s (0: none), as bytes a second. */
static double pace_rate(double a, double b)
{
    double m = a > 0 && (b <= 0 || a < b) ? a : b > 0 ? b : 0;
    return m * 1e6 / 8;
}

/* HELLO both ways; *local the node the coordinator asked for. */
static int serve_hello(HlNetSession *s, const HlServeOpts *o, HlNode **local, hl_err *err)
{
    HlFrameHeader h;
    uint8_t *body = NULL;
    HlWireHello hello;
    memset(&hello, 0, sizeof hello);
    /* a long idle wait is allowed for the first frame */
    int rc = hl_net_recv(s, &h, &body, HELLO_WAIT, err);
    if (rc == HELIOS_OK && h.type != HL_FRAME_HELLO)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "expected HELLO, got a %s frame",
                        hl_wire_frame_name(h.type));
    if (rc == HELIOS_OK)
        rc = hl_wire_decode_hello(body, h.length, &hello, err);
    free(body);
    body = NULL;
    if (rc == HELIOS_OK
        && (hello.version_max < HL_WIRE_VERSION || hello.version_min > HL_WIRE_VERSION)) {
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "the coordinator speaks protocol versions %d to %d, this node %d",
                        hello.version_min, hello.version_max, HL_WIRE_VERSION);
        hl_err e2;
        hl_err_clear(&e2);
        send_error(s, HELIOS_ERROR, err->msg, &e2);
    }
    /* the coordinator's id seeds the node's random streams */
    if (rc == HELIOS_OK && !(*local = hl_local_node_new(hello.node_id, hello.name ? hello.name
                                                        : o->name, o->db_path, o->filter, err)))
        rc = err->code;
    if (rc == HELIOS_OK) {
        s->require_sealed = hello.seal;
        s->answer_codec = hello.codec;
        s->answer_level = hello.codec_level;
        s->max_bytes_per_s = pace_rate(hello.max_bandwidth_mbps, o->max_bandwidth_mbps);
        HlWireHello me = { .version_min = HL_WIRE_VERSION, .version_max = HL_WIRE_VERSION,
                           .name = (char *)o->name, .node_id = hello.node_id,
                           .helios_version = (char *)helios_version(),
                           .accepts = HL_WIRE_F_KNOWN, .seal = hello.seal };
        size_t len = 0;
        rc = hl_wire_encode_hello(&me, &body, &len, err);
        if (rc == HELIOS_OK)
            rc = hl_net_send(s, HL_FRAME_HELLO, body, len, CONTROL_WAIT, err);
        free(body);
    }
    hl_wire_hello_clear(&hello);
    return rc;
}

/* The last global model the coordinator sent on this connection. */
typedef struct Held {
    double *x;
    int p, version;             /* version 0: none */
    char *config;               /* the last train_config (NULL: none) */
} Held;

/* A TRAIN or EVAL request's model as params (node.h: version): kept when
 * sent whole, else rebuilt from the one held (plus the code).  Fails, with
 * the reason for the coordinator, when this node does not hold what the
 * request builds on. */
static int take_model(Held *m, HlMsg *req, hl_err *err)
{
    if (req->version <= 0 || (req->type != HL_MSG_TRAIN && req->type != HL_MSG_EVAL))
        return HELIOS_OK;
    if (req->train_config) {
        char *cfg = strdup(req->train_config);
        if (!cfg)
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        free(m->config);
        m->config = cfg;
    } else if (!m->config)
        return hl_err_set(err, HELIOS_ERROR, -1, "this node holds no train_config");
    else if (!(req->train_config = strdup(m->config)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (req->params) {
        double *x = realloc(m->x, sizeof *x * (size_t)(req->nparams ? req->nparams : 1));
        if (!x)
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        memcpy(x, req->params, sizeof *x * (size_t)req->nparams);
        m->x = x;
        m->p = req->nparams;
        m->version = req->version;
        return HELIOS_OK;
    }
    int base = req->update_bits ? req->down_base : req->version;
    if (!m->version || m->version != base || (req->update_bits && req->update_p != m->p)) {
        int had = m->version;
        m->version = 0;
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "this node holds model version %d, the request builds on %d", had, base);
    }
    int rc = HELIOS_OK;
    if (req->update_bits) {
        HlUpdateCode c;
        double *d = malloc(sizeof *d * (size_t)(m->p ? m->p : 1));
        rc = d ? hl_update_code_unpack(m->p, req->update_bits, req->update_scale, NULL, 0,
                                       req->update_values, req->update_values_len, &c, err)
               : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        if (rc == HELIOS_OK && (rc = hl_update_decode(&c, m->p, d, err)) == HELIOS_OK) {
            for (int j = 0; j < m->p; j++)
                m->x[j] += d[j];
            m->version = req->version;
        }
        if (d)
            hl_update_code_clear(&c);
        free(d);
        if (rc != HELIOS_OK) {
            m->version = 0;
            return rc;
        }
    }
    if (!(req->params = malloc(sizeof *req->params * (size_t)(m->p ? m->p : 1))))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    memcpy(req->params, m->x, sizeof *req->params * (size_t)m->p);
    req->nparams = m->p;
    return HELIOS_OK;
}

/* One REQUEST (h, body: its plain body) answered, as it was asked. */
static int serve_request(HlNetSession *s, const HlServeOpts *o, HlNode *local, Held *held,
                         const HlFrameHeader *h, const uint8_t *body, int64_t bytes_in,
                         hl_err *err)
{
    const HlServeHooks *hk = o->hooks;
    double t0 = hl_now_seconds();
    int64_t out0 = s->bytes_out;
    HlMsg req, resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    int rc = hl_wire_decode_msg(body, h->length, 1, &req, err);
    if (rc != HELIOS_OK)
        return rc;          /* a malformed request: close this connection */
    if (hk && hk->on_request)
        hk->on_request(hk->arg, req.type, req.type == HL_MSG_TRAIN ? req.round : -1, bytes_in);
    hl_net_session_mirror(s, h);
    hl_err nerr;
    hl_err_clear(&nerr);
    if (take_model(held, &req, &nerr) == HELIOS_OK
        && local->ops->exchange(local, &req, &resp, &nerr) == HELIOS_OK) {
        uint8_t *out = NULL;
        size_t len = 0;
        rc = hl_wire_encode_msg(&resp, 0, &out, &len, err);
        double wait = ANSWER_WAIT + (s->max_bytes_per_s > 0 ? (double)len / s->max_bytes_per_s : 0);
        if (rc == HELIOS_OK)
            rc = hl_net_send(s, HL_FRAME_RESPONSE, out, len, wait, err);
        free(out);
    } else
        rc = send_error(s, nerr.code, nerr.msg, err);
    if (rc == HELIOS_OK && hk && hk->on_response)
        hk->on_response(hk->arg, req.type, nerr.code ? nerr.msg : NULL, s->bytes_out - out0,
                        hl_now_seconds() - t0);
    hl_msg_clear(&req);
    hl_msg_clear(&resp);
    return rc;
}

int hl_node_serve(HlTlsConn *c, const HlServeOpts *o, volatile sig_atomic_t *stop, hl_err *err)
{
    HlNetSession s;
    HlNode *local = NULL;
    Held held = { NULL, 0, 0, NULL };
    int rc = hl_net_session_init(&s, c, err);
    if (rc == HELIOS_OK)
        rc = serve_hello(&s, o, &local, err);
    while (rc == HELIOS_OK && !*stop) {
        HlFrameHeader h;
        uint8_t *body = NULL;
        int64_t in0 = s.bytes_in;
        /* the coordinator may think for long between rounds */
        rc = hl_net_recv(&s, &h, &body, IDLE_WAIT, err);
        if (rc != HELIOS_OK)
            break;
        if (h.type == HL_FRAME_BYE) {
            free(body);
            break;
        }
        if (h.type == HL_FRAME_PING)
            rc = hl_net_send(&s, HL_FRAME_PONG, body, h.length, CONTROL_WAIT, err);
        else if (h.type == HL_FRAME_REQUEST)
            rc = serve_request(&s, o, local, &held, &h, body, s.bytes_in - in0, err);
        else
            rc = hl_err_set(err, HELIOS_ERROR, -1, "unexpected %s frame",
                            hl_wire_frame_name(h.type));
        free(body);
    }
    if (local)
        local->ops->close(local);
    free(held.x);
    free(held.config);
    hl_net_session_wipe(&s);
    return rc;
}
