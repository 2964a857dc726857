/*
 * test_privacy.c - the privacy budget holds: a property test over random
 * sequences of trainings (one model, or two at once), ALTERs of the budget
 * (raising is allowed, lowering below what is spent is refused), of the
 * noise multiplier (given or calibrated) and of privacy_per_round, on one
 * workspace.  After every step, whatever happened:
 *   - consumed epsilon <= the budget (the budget never goes down);
 *   - the ledger's cumulative epsilon never decreases, its per-round
 *     increments add up to it, and the training metrics' per-round epsilon
 *     are the ledger's;
 *   - a refused ALTER leaves the budget as it was.
 * Uses the public API only (helios.h), with a file catalog.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helios.h"
#include "unit.h"

static helios *h;

static int exec(const char *sql)
{
    helios_stmt *st = NULL;
    int rc = helios_prepare(h, sql, -1, 0, &st, NULL);
    while (rc == HELIOS_OK && (rc = helios_step(st)) == HELIOS_ROW)
        rc = HELIOS_OK;
    helios_finalize(st);
    return rc == HELIOS_DONE ? HELIOS_OK : rc;
}

/* The first column of the first row as a double (NaN: none or NULL). */
static double num(const char *sql)
{
    helios_stmt *st = NULL;
    double v = NAN;
    if (helios_prepare(h, sql, -1, 0, &st, NULL) == HELIOS_OK && helios_step(st) == HELIOS_ROW
        && helios_column_text(st, 0))
        v = atof(helios_column_text(st, 0));
    helios_finalize(st);
    return v;
}

static uint64_t state = 42;

static double uniform(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static void check_invariants(double budget, double *last_consumed)
{
    double consumed = num("SELECT consumed_epsilon FROM federated_privacy_budget('lab')");
    double total = num("SELECT total_epsilon FROM federated_privacy_budget('lab')");
    CHECK(fabs(total - budget) < 1e-12);
    CHECK(consumed <= budget * (1 + 1e-12));
    CHECK(consumed >= *last_consumed);
    *last_consumed = consumed;
    /* the ledger: monotone, increments add up */
    CHECK_INT((int)num("SELECT count(*) FROM (SELECT cumulative_epsilon c, lag(cumulative_epsilon) "
                       "OVER (ORDER BY rowid) p FROM federated_privacy_history) WHERE c < p"), 0);
    double sum = num("SELECT coalesce(sum(epsilon_per_round), 0) FROM federated_privacy_history");
    CHECK(fabs(sum - consumed) <= 1e-9 * (1 + consumed));
    CHECK(num("SELECT coalesce(max(cumulative_epsilon), 0) FROM federated_privacy_history")
          <= budget * (1 + 1e-12));
}

static void test_budget_property(void)
{
    char path[] = "/tmp/helios-test-privacy-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    CHECK_INT(helios_open(path, &h), HELIOS_OK);
    CHECK_INT(exec("CREATE TABLE t AS WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 "
                   "FROM i WHERE n < 199) SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2, "
                   "CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y "
                   "FROM i"), HELIOS_OK);
    double budget = 0.5;
    CHECK_INT(exec("CREATE FEDERATED WORKSPACE lab WITH (min_nodes = 2, privacy_budget = 0.5)"),
              HELIOS_OK);
    CHECK_INT(exec("REGISTER FEDERATED NODE 'even' WITH (endpoint = 'local', "
                   "data_filter = 'rowid % 2 = 0')"), HELIOS_OK);
    CHECK_INT(exec("REGISTER FEDERATED NODE 'odd' WITH (endpoint = 'local', "
                   "data_filter = 'rowid % 2 = 1')"), HELIOS_OK);
    for (int k = 1; k <= 3; k++) {
        char sql[256];
        snprintf(sql, sizeof sql, "CREATE FEDERATED MODEL m%d WITH (features = ['x1', 'x2'], "
                                  "target = 'y', learning_rate = 0.5, seed = %d)", k, k);
        CHECK_INT(exec(sql), HELIOS_OK);
    }
    double consumed = 0;
    int trained = 0, refused_lower = 0, exhausted = 0;
    for (int step = 0; step < 60; step++) {
        char sql[256];
        int op = (int)(uniform() * 7);
        if (op == 0) {
            budget += 0.1 + 0.9 * uniform();
            snprintf(sql, sizeof sql, "ALTER FEDERATED WORKSPACE lab SET (privacy_budget = %.17g)",
                     budget);
            CHECK_INT(exec(sql), HELIOS_OK);
        } else if (op == 1 && consumed > 0) {
            snprintf(sql, sizeof sql, "ALTER FEDERATED WORKSPACE lab SET (privacy_budget = %.17g)",
                     consumed * (0.3 + 0.69 * uniform()));
            CHECK_INT(exec(sql), HELIOS_OPTION);
            refused_lower++;
        } else if (op == 2) {
            snprintf(sql, sizeof sql, "ALTER FEDERATED WORKSPACE lab SET (noise_multiplier = %.17g)",
                     0.3 + 2.7 * uniform());
            CHECK_INT(exec(sql), HELIOS_OK);
        } else if (op == 3) {
            CHECK_INT(exec("ALTER FEDERATED WORKSPACE lab SET (noise_multiplier = NULL)"),
                      HELIOS_OK);
        } else if (op == 4) {
            if (uniform() < 0.5)
                snprintf(sql, sizeof sql, "ALTER FEDERATED WORKSPACE lab SET "
                                          "(privacy_per_round = %.17g)", budget * 0.3 * uniform() + 1e-3);
            else
                snprintf(sql, sizeof sql, "ALTER FEDERATED WORKSPACE lab SET (privacy_per_round = NULL)");
            CHECK_INT(exec(sql), HELIOS_OK);
        } else {
            /* one model, or two at once (both draw on the one budget) */
            int a = 1 + (int)(uniform() * 3), b = op == 6 ? 1 + a % 3 : 0;
            for (int k = 0; k < 2; k++) {
                int mdl = k == 0 ? a : b;
                if (!mdl)
                    continue;
                snprintf(sql, sizeof sql, "START FEDERATED TRAINING m%d WITH (rounds = %d, "
                                          "local_epochs = 1, batch_size = %d)",
                         mdl, 1 + (int)(uniform() * 6), 10 + (int)(uniform() * 30));
                int rc = exec(sql);     /* may be refused: budget spent */
                trained += rc == HELIOS_OK;
                if (getenv("TEST_VERBOSE"))
                    fprintf(stderr, "%s -> %d %s\n", sql, rc, rc ? helios_errmsg(h) : "");
            }
            for (int k = 1; k <= 3; k++) {
                snprintf(sql, sizeof sql, "SELECT wait_for_convergence('m%d', timeout_seconds => 60)", k);
                num(sql);
            }
            for (int k = 1; k <= 3; k++) {
                snprintf(sql, sizeof sql, "SELECT count(*) FROM federated_training_status('m%d') "
                                          "WHERE status = 'privacy_budget_exhausted'", k);
                exhausted += num(sql) > 0;
            }
        }
        check_invariants(budget, &consumed);
    }
    /* the random walk went through each kind of event */
    CHECK(trained >= 5);
    CHECK(refused_lower >= 1);
    CHECK(num("SELECT count(*) FROM federated_privacy_history") >= 10);
    CHECK(num("SELECT count(DISTINCT noise_multiplier) FROM federated_privacy_history") >= 2);
    /* the training metrics show the ledger's per-round epsilon */
    CHECK_INT((int)num("SELECT count(*) FROM federated_privacy_history h "
                       "JOIN federated_training_metrics('m1') r USING (round_number) "
                       "WHERE h.model_name = 'm1' AND h.timestamp IS NOT NULL "
                       "AND abs(h.epsilon_per_round - r.privacy_consumed_epsilon) > 1e-12 "
                       "AND h.cumulative_epsilon = (SELECT max(cumulative_epsilon) "
                       "FROM federated_privacy_history x WHERE x.model_name = 'm1' "
                       "AND x.round_number = h.round_number)"), 0);
    CHECK(exhausted >= 1);
    helios_close(h);
    unlink(path);
    char aux[sizeof path + 8];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

int main(void)
{
    RUN(test_budget_property);
    return unit_report();
}
