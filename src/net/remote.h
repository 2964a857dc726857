/*
 * remote.h - the node interface over the network: a remote node (the
 * coordinator's side) and the serving of one connection (helios-node's
 * side).  Both move the same HlMsg requests and responses as the
 * in-process node (engine/node.h), as frames (net/wire.h) over TLS 1.3
 * with mutual authentication (net/tls.h), so the engine cannot tell a
 * remote node from a local one.
 *
 * A connection starts with HELLO both ways: the coordinator says which
 * node it wants (its registered name and catalog id: the id seeds the
 * node's random streams, so a remote run is the in-process run bit for
 * bit), whether it seals and the node's bandwidth limit, and the node
 * answers with its own name and the frame flags it can read; then each
 * REQUEST gets one RESPONSE, or an ERROR carrying the node's message.  BYE
 * ends it.  Frames go through a session (net/frame_io.h): compressed,
 * sealed, paced and counted there.
 */
#ifndef HL_NET_REMOTE_H
#define HL_NET_REMOTE_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "frame_io.h"
#include "node.h"
#include "tls.h"
#include "wire.h"

/* host and port of "tls://host:port", "https://host:port" or
 * "tls://[::1]:port" (host malloc'd).  HELIOS_OPTION with the reason. */
int hl_remote_parse_endpoint(const char *endpoint, char **host, int *port, hl_err *err);

/* How the coordinator talks to one remote node. */
typedef struct HlRemoteOpts {
    const char *backup;         /* backup_endpoint, tried when endpoint cannot be
                                   reached; NULL: none */
    HlTlsConfig tls;            /* the coordinator's certificate and key, the CA the
                                   node must chain to, keepalive and Nagle */
    double timeout_s;           /* the most one exchange may take (round_timeout);
                                   <= 0: 300 */
    int codec, level;           /* HlCodec of requests (net/frame_io.h) and its level,
                                   0: the codec's default; the node answers in kind */
    int seal;                   /* 1: requests sealed with AES-256-GCM (encryption =
                                   'AES-256-GCM'), and only sealed answers taken */
    double max_bandwidth_mbps;  /* the node's option, told to it in HELLO: it paces its
                                   answers to it (and its own limit); 0: none */
    int auto_reconnect;         /* 0: a node whose connection broke after it had
                                   connected fails every later exchange at once */
    double reconnect_interval;  /* with auto_reconnect: seconds between two dials
                                   (endpoint, then backup); <= 0: 10 */
} HlRemoteOpts;

/* A remote node named name (its registered name, which the node's
 * certificate must match, or else the endpoint's host) at endpoint, with
 * catalog id id.  Nothing is connected until the first exchange; the
 * options are copied.  NULL and err for an endpoint that does not parse or
 * credentials that cannot be loaded.
 *
 * Its exchanges: the I/O of one is bounded by timeout_s and by the
 * request's deadline (engine/node.h), whichever comes first.  When that
 * passes, the connection is closed (an answer may still be in flight), the
 * exchange fails with HELIOS_IO, "node 'x' did not answer within 2.0 s",
 * and resp->timed_out is set; the next exchange dials again (a slow node
 * is not a lost one).  Every exchange fills resp->wire_sent and
 * wire_received, on success and on failure, with the frame bytes it moved,
 * a reconnection's HELLO and SETUP included.  A connection that breaks
 * (the peer goes away, an I/O error, a garbled answer) is closed; with
 * auto_reconnect off the node then fails every later exchange at once
 * ("node 'x': connection lost (auto_reconnect is off)"); with it on it is
 * dialled again at most once every reconnect_interval seconds after a dial
 * that failed (in between: "node 'x': reconnecting in N s"; a dial that ran
 * out of time is a slow node's, and waits no more).  A node that comes back on a new
 * connection is sent the run's last SETUP again before anything but
 * SCHEMA, STATS or SETUP, so it rejoins with its rows loaded. */
HlNode *hl_remote_node_new(int64_t id, const char *name, const char *endpoint,
                           const HlRemoteOpts *o, hl_err *err);

/* What helios-node wants to hear about, as it happens (the library does
 * not print; the agent logs).  Each may be NULL.  phase is an HlMsgType;
 * round is the TRAIN request's round, -1 for the other phases; bytes count
 * the frame on the wire, header included; error is NULL for an answer,
 * else the message of the ERROR frame sent instead; seconds from the
 * request's arrival to the answer's last byte. */
typedef struct HlServeHooks {
    void *arg;
    void (*on_request)(void *arg, int phase, int round, int64_t bytes_in);
    void (*on_response)(void *arg, int phase, const char *error, int64_t bytes_out,
                        double seconds);
} HlServeHooks;

typedef struct HlServeOpts {
    const char *name;           /* this node's name (its certificate's), said in HELLO */
    const char *db_path;        /* the node's SQLite database */
    const char *filter;         /* a condition on its rows; NULL: all */
    double max_bandwidth_mbps;  /* the node's own limit, Mbit/s; 0: none.  Answers are
                                   paced to the lower of it and the coordinator's */
    const HlServeHooks *hooks;  /* NULL: none */
} HlServeOpts;

/* helios-node's side: serves one accepted connection until BYE, the peer
 * goes away, an error, or *stop becomes nonzero (checked between
 * requests).  Each answer mirrors its request: the same codec (at its
 * default level), sealed when the request was; once the coordinator's
 * HELLO said it seals, or a sealed request came, unsealed ones are refused.
 * Returns HELIOS_OK at a clean end, else the reason (also for a malformed
 * or refused frame: the connection is then closed, nothing else
 * happens). */
int hl_node_serve(HlTlsConn *c, const HlServeOpts *o, volatile sig_atomic_t *stop, hl_err *err);

#endif
