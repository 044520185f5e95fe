#include "advice.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resources/advisor.h"
#include "util/log.h"
#include "util/str.h"

#define ADVICE_MAX_REPORTED 4096

/* The resources Check has seen in this process, for the stack rules: at most
 * ADVICE_MAX_SEEN (advice.h), each with a copy of its checked inputs. */
typedef struct seen_res {
    char *urn, *type, *name;
    pv *props;
} seen_res;

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static seen_res seen[ADVICE_MAX_SEEN];
static size_t n_seen;

static void seen_clear(seen_res *r)
{
    free(r->urn);
    free(r->type);
    free(r->name);
    pv_free(r->props);
    memset(r, 0, sizeof(*r));
}

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
    pthread_mutex_lock(&seen_lock);
    for (size_t i = 0; i < n_seen; i++)
        seen_clear(&seen[i]);
    n_seen = 0;
    pthread_mutex_unlock(&seen_lock);
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

int advice_check_config(const config_advisor *a, config_problems *p, err *e)
{
    const pv *r = a->rules;
    for (size_t i = 0; r && r->kind == PV_OBJECT && i < r->u.obj.len; i++) {
        char why[640];
        advisor_options o;
        memset(&o, 0, sizeof(o));
        const char *id = r->u.obj.keys[i];
        int bad = 0;
        if (!advisor_rule_find(id))
            bad = config_problem_add(p, "securityAdvisorRules", ERR_INVALID_ARGUMENT,
                                     "provider config securityAdvisorRules: '%s' is not a rule "
                                     "ID (see the README's advisor rules)",
                                     id);
        else if (advisor_options_parse(&o, id, r->u.obj.vals[i], why, sizeof(why)) != 0)
            bad = config_problem_add(p, "securityAdvisorRules", ERR_INVALID_ARGUMENT,
                                     "provider config securityAdvisorRules.%s", why);
        else
            continue;
        if (bad != 0)
            return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        break; /* one failure per key */
    }
    for (size_t i = 0; i < a->n_suppress; i++) {
        const char *id = a->suppress[i];
        if (id && advisor_rule_find(id))
            continue;
        if (config_problem_add(p, "securityAdvisorSuppress", ERR_INVALID_ARGUMENT,
                               "provider config securityAdvisorSuppress[%zu]: '%s' is not a "
                               "rule ID (see the README's advisor rules)",
                               i, id ? id : "?") != 0)
            return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        break; /* one failure per key */
    }
    return 0;
}

/* Suppressed by the provider config, or by the resource's tag
 * "awsml:advisor-suppress" = "ID[,ID...][: reason]". */
bool advice_suppressed(const config_advisor *a, const char *id, const pv *inputs)
{
    for (size_t i = 0; a && i < a->n_suppress; i++)
        if (a->suppress[i] && strcmp(a->suppress[i], id) == 0)
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

/* The rule properties of securityAdvisorRules (advice_check_config refused
 * a configuration with a bad one, so what does not parse is skipped). */
static void options_of(const config_advisor *a, advisor_options *o)
{
    char why[640];
    memset(o, 0, sizeof(*o));
    const pv *r = a ? a->rules : NULL;
    for (size_t i = 0; r && r->kind == PV_OBJECT && i < r->u.obj.len; i++) {
        advisor_options one = *o;
        if (advisor_rule_find(r->u.obj.keys[i]) &&
            advisor_options_parse(&one, r->u.obj.keys[i], r->u.obj.vals[i], why, sizeof(why)) == 0)
            *o = one;
    }
}

/* Reports one finding: a check failure under enforce, else a warning once
 * per process. */
static int report(enum config_advisor_mode mode, const char *urn, const advisor_finding *fd,
                  check_failures *f, err *e)
{
    if (mode == CONFIG_ADVISOR_ENFORCE) {
        if (check_failure_add(f, fd->property, "[%s] %s Fix: %s", fd->id, fd->message, fd->fix) !=
            0)
            return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    } else if (first_report(urn, fd)) {
        log_user(LOG_WARNING, urn, false, "security advisor [%s, %s] %s: %s Fix: %s", fd->id,
                 advisor_severity_name(fd->severity), fd->property, fd->message, fd->fix);
    }
    return 0;
}

int advice_apply(const config_advisor *a, const char *token_rest, const char *urn, const pv *inputs,
                 check_failures *f, err *e)
{
    enum config_advisor_mode mode = a ? a->mode : CONFIG_ADVISOR_WARN;
    if (mode == CONFIG_ADVISOR_OFF)
        return 0;
    advisor_options opts;
    options_of(a, &opts);
    advisor_findings found = {.opts = &opts};
    if (advisor_run(token_rest, inputs, &found) != 0) {
        advisor_findings_free(&found);
        /* advisor_run fails only when memory runs out. */
        return err_set(e, ERR_RESOURCE_EXHAUSTED,
                       "out of memory running the security advisor on %s", token_rest);
    }
    int rc = 0;
    for (size_t i = 0; i < found.len && rc == 0; i++) {
        const advisor_finding *fd = &found.items[i];
        if (!advice_suppressed(a, fd->id, inputs))
            rc = report(mode, urn, fd, f, e);
    }
    advisor_findings_free(&found);
    return rc;
}

size_t advice_seen_count(void)
{
    pthread_mutex_lock(&seen_lock);
    size_t n = n_seen;
    pthread_mutex_unlock(&seen_lock);
    return n;
}

/* Keeps (or refreshes) this resource among the seen ones; its index, or
 * n_seen when there is no room (it is then looked at, not kept). -1 when
 * memory runs out. Called with seen_lock held. */
static long remember(const char *type, const char *name, const char *urn, const pv *inputs)
{
    size_t i = 0;
    while (i < n_seen && strcmp(seen[i].urn, urn) != 0)
        i++;
    if (i == n_seen && n_seen == ADVICE_MAX_SEEN)
        return (long)n_seen;
    pv *copy = pv_copy(inputs);
    if (!copy)
        return -1;
    if (i < n_seen) {
        pv_free(seen[i].props);
        seen[i].props = copy;
        return (long)i;
    }
    seen_res r = {str_dup(urn), str_dup(type), str_dup(name), copy};
    if (!r.urn || !r.type || !r.name) {
        seen_clear(&r);
        return -1;
    }
    seen[n_seen++] = r;
    return (long)i;
}

int advice_apply_stack(const config_advisor *a, const char *type, const char *name, const char *urn,
                       const pv *inputs, check_failures *f, err *e)
{
    enum config_advisor_mode mode = a ? a->mode : CONFIG_ADVISOR_WARN;
    if (mode == CONFIG_ADVISOR_OFF || !urn || !*urn)
        return 0;
    int rc = 0;
    advisor_options opts;
    options_of(a, &opts);
    advisor_findings found = {.opts = &opts};
    advisor_resource *res = NULL;
    pthread_mutex_lock(&seen_lock);
    long at = remember(type, name, urn, inputs);
    if (at < 0) {
        rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    res = calloc(n_seen + 1, sizeof(*res));
    if (!res) {
        rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_seen; i++)
        res[i] = (advisor_resource){
            .urn = seen[i].urn, .type = seen[i].type, .name = seen[i].name, .props = seen[i].props};
    size_t n = n_seen;
    if ((size_t)at == n_seen) /* no room: this one is looked at from the caller's copy */
        res[n++] = (advisor_resource){.urn = urn, .type = type, .name = name, .props = inputs};
    if (advisor_stack_run(res, n, (size_t)at, false, &found) != 0) {
        rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory running the security advisor on %s",
                     type);
        goto done;
    }
    for (size_t i = 0; i < found.len && rc == 0; i++) {
        const advisor_finding *fd = &found.items[i];
        if (fd->resource != (size_t)at || advice_suppressed(a, fd->id, inputs))
            continue;
        rc = report(mode, urn, fd, f, e);
    }
done:
    pthread_mutex_unlock(&seen_lock);
    free(res);
    advisor_findings_free(&found);
    return rc;
}
