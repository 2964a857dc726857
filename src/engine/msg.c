/* msg.c - see node.h: releasing what a message owns. */
#include "node.h"

#include <stdlib.h>
#include <string.h>

static void counts_clear(HlCounts *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->values[i]);
    free(c->values);
    free(c->counts);
}

void hl_msg_clear(HlMsg *m)
{
    if (!m)
        return;
    free(m->source);
    for (int i = 0; m->columns && i < m->ncolumns; i++)
        free(m->columns[i]);
    free(m->columns);
    free(m->params);
    free(m->encoding);
    free(m->train_config);
    free(m->table);
    free(m->kinds);
    free(m->sums);
    free(m->sumsq);
    free(m->nonnull);
    for (int i = 0; m->vocab && i < m->nvocab; i++)
        counts_clear(&m->vocab[i]);
    free(m->vocab);
    free(m->metrics);
    free(m->quality);
    free(m->blob);
    free(m->update_idx);
    free(m->update_values);
    memset(m, 0, sizeof *m);
}
