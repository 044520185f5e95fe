#include "advice.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "provider.h"
#include "resources/advisor.h"
#include "util/log.h"
#include "util/str.h"

#define ADVICE_MAX_REPORTED 4096

enum advice_mode { ADVICE_OFF, ADVICE_WARN, ADVICE_ENFORCE };

static pthread_mutex_t reported_lock = PTHREAD_MUTEX_INITIALIZER;
static char *reported[ADVICE_MAX_REPORTED];
static size_t n_reported;

void advice_reset(void)
{
    pthread_mutex_lock(&reported_lock);
    for (size_t i = 0; i < n_reported; i++)
        free(reported[i]);
    n_reported = 0;
    pthread_mutex_unlock(&reported_lock);
}

/* true the first time this finding (urn, rule, property, message: several
 * steps of one definition share a property) is seen in this process. */
static bool first_report(const char *urn, const advisor_finding *fd)
{
    char key[2048];
    snprintf(key, sizeof(key), "%s|%s|%s|%s", urn, fd->id, fd->property, fd->message);
    bool first = true;
    pthread_mutex_lock(&reported_lock);
    for (size_t i = 0; i < n_reported && first; i++)
        if (strcmp(reported[i], key) == 0)
            first = false;
    if (first && n_reported < ADVICE_MAX_REPORTED) {
        char *k = str_dup(key);
        if (k)
            reported[n_reported++] = k;
    }
    pthread_mutex_unlock(&reported_lock);
    return first;
}

static const pv *config_get(const char *key)
{
    aws_client *c = provider_client();
    return c ? pv_object_get(aws_client_config(c), key) : NULL;
}

static enum advice_mode mode_of(const pv *v)
{
    if (!v || v->kind != PV_STRING || strcmp(v->u.str.s, "warn") == 0)
        return ADVICE_WARN;
    return strcmp(v->u.str.s, "enforce") == 0 ? ADVICE_ENFORCE
           : strcmp(v->u.str.s, "off") == 0   ? ADVICE_OFF
                                              : ADVICE_WARN;
}

int advice_check_config(const pv *config, check_failures *f, err *e)
{
    const pv *m = pv_object_get(config, "securityAdvisor");
    int rc = 0;
    if (m && m->kind != PV_NULL &&
        (m->kind != PV_STRING || (strcmp(m->u.str.s, "off") && strcmp(m->u.str.s, "warn") &&
                                  strcmp(m->u.str.s, "enforce"))))
        rc = check_failure_add(f, "securityAdvisor",
                               "provider config 'securityAdvisor' must be off, warn or enforce");
    const pv *s = pv_object_get(config, "securityAdvisorSuppress");
    if (rc == 0 && s && s->kind != PV_NULL && s->kind != PV_ARRAY)
        rc = check_failure_add(f, "securityAdvisorSuppress",
                               "provider config 'securityAdvisorSuppress' must be a list of rule "
                               "IDs");
    for (size_t i = 0; rc == 0 && s && s->kind == PV_ARRAY && i < s->u.arr.len; i++) {
        const pv *id = s->u.arr.items[i];
        if (id->kind != PV_STRING || !advisor_rule_find(id->u.str.s)) {
            rc = check_failure_add(f, "securityAdvisorSuppress",
                                   "provider config securityAdvisorSuppress[%zu]: '%s' is not a "
                                   "rule ID (see the README's advisor rules)",
                                   i, id->kind == PV_STRING ? id->u.str.s : "?");
            break; /* one failure per key */
        }
    }
    return rc == 0 ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

/* Suppressed by the provider config, or by the resource's tag
 * "awsml:advisor-suppress" = "ID[,ID...][: reason]". */
static bool suppressed(const char *id, const pv *inputs)
{
    const pv *s = config_get("securityAdvisorSuppress");
    for (size_t i = 0; s && s->kind == PV_ARRAY && i < s->u.arr.len; i++)
        if (s->u.arr.items[i]->kind == PV_STRING && strcmp(s->u.arr.items[i]->u.str.s, id) == 0)
            return true;
    const pv *tags = pv_object_get(inputs, "tags");
    const pv *tag =
        tags && tags->kind == PV_OBJECT ? pv_object_get(tags, ADVICE_SUPPRESS_TAG) : NULL;
    if (!tag || tag->kind != PV_STRING)
        return false;
    const char *p = tag->u.str.s;
    size_t idlen = strlen(id);
    while (*p && *p != ':') {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, " ,:");
        if (n == idlen && strncmp(p, id, n) == 0)
            return true;
        p += n;
    }
    return false;
}

int advice_apply(const char *token_rest, const char *urn, const pv *inputs, check_failures *f,
                 err *e)
{
    enum advice_mode mode = mode_of(config_get("securityAdvisor"));
    if (mode == ADVICE_OFF)
        return 0;
    advisor_findings found = {0};
    if (advisor_run(token_rest, inputs, &found) != 0) {
        advisor_findings_free(&found);
        /* advisor_run fails only when memory runs out. */
        return err_set(e, ERR_RESOURCE_EXHAUSTED,
                       "out of memory running the security advisor on %s", token_rest);
    }
    int rc = 0;
    for (size_t i = 0; i < found.len && rc == 0; i++) {
        const advisor_finding *fd = &found.items[i];
        if (suppressed(fd->id, inputs))
            continue;
        if (mode == ADVICE_ENFORCE) {
            if (check_failure_add(f, fd->property, "[%s] %s Fix: %s", fd->id, fd->message,
                                  fd->fix) != 0)
                rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        } else if (first_report(urn, fd)) {
            log_user(LOG_WARNING, urn, false, "security advisor [%s, %s] %s: %s Fix: %s", fd->id,
                     advisor_severity_name(fd->severity), fd->property, fd->message, fd->fix);
        }
    }
    advisor_findings_free(&found);
    return rc;
}
