/* alerts.c - checking alerts after a round; see alerts.h. */
#include "alerts.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_int.h"
#include "helios.h"
#include "ledger.h"

extern char **environ;

double hl_alert_metric(const HlAlertMetrics *m, const char *name)
{
    const struct { const char *name; double v; } t[] = {
        {"remaining_epsilon", m->remaining_epsilon}, {"consumed_epsilon", m->consumed_epsilon},
        {"global_loss", m->global_loss}, {"global_accuracy", m->global_accuracy},
        {"loss_delta", m->loss_delta}, {"node_variance", m->node_variance},
        {"participating_nodes", m->participating_nodes}, {"dropped_nodes", m->dropped_nodes},
        {"active_nodes", m->active_nodes}, {"registered_nodes", m->registered_nodes},
        {"round_duration_seconds", m->round_duration_seconds},
        {"communication_mb", m->communication_mb},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].v;
    return NAN;
}

int hl_alert_holds(double value, const char *cmp, double threshold)
{
    if (strcmp(cmp, "<") == 0)
        return value < threshold;
    if (strcmp(cmp, "<=") == 0)
        return value <= threshold;
    if (strcmp(cmp, ">") == 0)
        return value > threshold;
    if (strcmp(cmp, ">=") == 0)
        return value >= threshold;
    if (strcmp(cmp, "=") == 0)
        return value == threshold;
    if (strcmp(cmp, "!=") == 0)
        return value != threshold;
    return 0;
}

/* Runs `command` with /bin/sh, `message` on its stdin; the delivery text
 * into out. */
static void deliver(const char *command, const char *message, const char *const env[][2],
                    char *out, size_t n)
{
    /* The child's environment is built before fork(): between fork and
     * exec a threaded process may only call async-signal-safe functions. */
    size_t ne = 0, nv = 0;
    while (environ[ne])
        ne++;
    while (env[nv][0])
        nv++;
    char **envp = calloc(ne + nv + 1, sizeof *envp);
    char **mine = calloc(nv + 1, sizeof *mine);
    size_t k = 0;
    int ok = envp && mine;
    for (size_t i = 0; ok && i < nv; i++) {
        size_t len = strlen(env[i][0]) + strlen(env[i][1] ? env[i][1] : "") + 2;
        if (!(mine[i] = malloc(len)))
            ok = 0;
        else
            snprintf(mine[i], len, "%s=%s", env[i][0], env[i][1] ? env[i][1] : "");
    }
    for (size_t i = 0; ok && i < ne; i++)
        if (strncmp(environ[i], "HELIOS_", 7) != 0)
            envp[k++] = environ[i];
    for (size_t i = 0; ok && i < nv; i++)
        envp[k++] = mine[i];
    int fd[2] = {-1, -1};
    pid_t pid = -1;
    if (!ok)
        snprintf(out, n, "failed: out of memory");
    else if (pipe(fd) != 0)
        snprintf(out, n, "failed: cannot make a pipe");
    else if ((pid = fork()) < 0) {
        close(fd[0]);
        close(fd[1]);
        snprintf(out, n, "failed: cannot start the notify_command");
    } else if (pid == 0) {
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execle("/bin/sh", "sh", "-c", command, (char *)NULL, envp);
        _exit(127);
    }
    for (size_t i = 0; mine && i < nv; i++)
        free(mine[i]);
    free(mine);
    free(envp);
    if (pid <= 0)
        return;
    close(fd[0]);
    /* A command that does not read its input must not kill us. */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    size_t len = strlen(message), off = 0;
    while (off < len) {
        ssize_t w = write(fd[1], message + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd[1]);
    sigaction(SIGPIPE, &old, NULL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(out, n, "failed: cannot wait for the notify_command");
            return;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        snprintf(out, n, "delivered");
    else if (WIFEXITED(status))
        snprintf(out, n, "failed: exit status %d", WEXITSTATUS(status));
    else
        snprintf(out, n, "failed: killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int hl_alerts_check(sqlite3 *db, int64_t ws_id, const char *ws_opts, const char *model,
                    int round, const HlAlertMetrics *m, int *fired, hl_err *err)
{
    HlCatAlert *a = NULL;
    int n = 0;
    if (fired)
        *fired = 0;
    int rc = hl_cat_alerts(db, ws_id, &a, &n, err);
    char *command = rc == HELIOS_OK && n > 0
                    ? hl_eng_opt_str(HL_OBJ_WORKSPACE, ws_opts, "notify_command") : NULL;
    for (int i = 0; rc == HELIOS_OK && i < n; i++) {
        double v = hl_alert_metric(m, a[i].metric);
        if (isnan(v))
            continue;
        int holds = hl_alert_holds(v, a[i].cmp, a[i].threshold);
        if (holds == a[i].triggered)
            continue;
        rc = hl_cat_alert_set_triggered(db, a[i].id, holds, err);
        if (rc != HELIOS_OK || !holds)
            continue;
        char message[512], value[32], delivery[128];
        snprintf(value, sizeof value, "%.6g", v);
        snprintf(message, sizeof message,
                 "helios alert '%s': %s %s %g (now %s) after round %d of model '%s'\n",
                 a[i].name, a[i].metric, a[i].cmp, a[i].threshold, value, round, model);
        if (command && *command) {
            const char *const env[][2] = {
                {"HELIOS_ALERT", a[i].name}, {"HELIOS_METRIC", a[i].metric},
                {"HELIOS_VALUE", value}, {"HELIOS_NOTIFY", a[i].notify},
                {"HELIOS_MODEL", model}, {NULL, NULL},
            };
            deliver(command, message, env, delivery, sizeof delivery);
        } else
            snprintf(delivery, sizeof delivery,
                     "not delivered: the workspace has no notify_command");
        message[strcspn(message, "\n")] = '\0';
        HlCatNotification note = {
            .ws_id = ws_id, .alert_id = a[i].id, .alert_name = a[i].name, .model_name = model,
            .metric = a[i].metric, .message = message, .notify = a[i].notify,
            .delivery = delivery, .round_number = round, .value = v,
        };
        rc = hl_cat_notification_add(db, &note, err);
        if (rc == HELIOS_OK && fired)
            (*fired)++;
    }
    free(command);
    hl_cat_alerts_free(a, n);
    return rc;
}
