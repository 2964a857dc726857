/* secure.c - a round's secure aggregation through the node interface; see
 * secure.h. */
#include "secure.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"

int hl_secure_layout(int p, double range, int reports, double report_range,
                     HlSecAggSegment *segs)
{
    segs[0] = (HlSecAggSegment){ .count = p, .lo = -range, .hi = range };
    segs[1] = (HlSecAggSegment){ .count = 1, .lo = 0.0, .hi = 1.0 };
    if (!reports)
        return 2;
    segs[2] = (HlSecAggSegment){ .count = 1, .lo = -report_range, .hi = report_range };
    return 3;
}

/* One stage: every active node gets its message, in parallel. */
typedef struct Stage {
    HlSecAggServer *s;
    HlNode *const *nodes;
    int n;
    atomic_int next;
    atomic_llong sent, received;
} Stage;

static void stage_one(Stage *st, int u)
{
    uint8_t *msg = NULL;
    size_t len = 0;
    hl_err e1;
    hl_err_clear(&e1);
    /* message() and receive() are safe from several threads at a stage
     * (secagg.h) */
    int rc = hl_secagg_server_message(st->s, u, &msg, &len, &e1);
    if (rc != HELIOS_OK)
        return;                 /* the node is left out of this stage: dropped */
    HlMsg req, resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    req.type = HL_MSG_SECAGG;
    req.blob = msg;
    req.blob_len = len;
    atomic_fetch_add(&st->sent, (long long)len);
    HlNode *node = st->nodes[u];
    if (node->ops->exchange(node, &req, &resp, &e1) == HELIOS_OK && resp.blob) {
        atomic_fetch_add(&st->received, (long long)resp.blob_len);
        (void)hl_secagg_server_receive(st->s, u, resp.blob, resp.blob_len, &e1);
    }
    free(msg);
    hl_msg_clear(&resp);
}

static void *stage_worker(void *arg)
{
    Stage *st = arg;
    for (;;) {
        int u = atomic_fetch_add(&st->next, 1);
        if (u >= st->n)
            return NULL;
        if (hl_secagg_server_active(st->s, u))
            stage_one(st, u);
    }
}

int hl_secure_round(HlSecAggServer *s, int64_t round, HlNode *const *nodes, int n,
                    const unsigned char *selected, int threads, double *sum,
                    unsigned char *included, int *m, int64_t *bytes_sent,
                    int64_t *bytes_received, hl_err *err)
{
    *m = 0;
    int rc = hl_secagg_server_begin(s, round, selected, err);
    if (rc != HELIOS_OK)
        return rc;
    Stage st = { .s = s, .nodes = nodes, .n = n };
    atomic_init(&st.sent, 0);
    atomic_init(&st.received, 0);
    while (rc == HELIOS_OK && hl_secagg_server_round(s) != HL_SECAGG_DONE) {
        if (hl_secagg_server_round(s) == HL_SECAGG_FAILED) {
            rc = hl_err_set(err, HELIOS_ERROR, -1, "secure aggregation failed");
            break;
        }
        atomic_store(&st.next, 0);
        int t = threads < n ? threads : n;
        pthread_t tid[256];
        int started = 0;
        for (int k = 1; k < t && k < 256; k++)
            if (pthread_create(&tid[started], NULL, stage_worker, &st) == 0)
                started++;
        stage_worker(&st);
        for (int k = 0; k < started; k++)
            pthread_join(tid[k], NULL);
        rc = hl_secagg_server_advance(s, err);
    }
    if (rc == HELIOS_OK)
        rc = hl_secagg_server_result(s, sum, included, m, err);
    *bytes_sent += atomic_load(&st.sent);
    *bytes_received += atomic_load(&st.received);
    return rc;
}
