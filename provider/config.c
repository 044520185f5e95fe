#include "config.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

#define CONFIG_MAX_LIST 64     /* entries of a list config key we keep */
#define CONFIG_MAX_REASON 1024 /* a problem's reason, as a CheckFailure carries it */
#define CONFIG_MAX_KEY 64      /* longest key compared for a did-you-mean */

/* schema/schema.json's config variables (tests/unit/test_config.c holds the
 * two to each other). */
const char *const config_keys[] = {
    "accessKey",
    "allowedAccountIds",
    "assumeRoleWithWebIdentity",
    "assumeRoles",
    "customCaBundle",
    "defaultTags",
    "endpoints",
    "forbiddenAccountIds",
    "httpProxy",
    "httpsProxy",
    "ignoreTags",
    "insecure",
    "maxRetries",
    "noProxy",
    "profile",
    "region",
    "retryMode",
    "secretKey",
    "securityAdvisor",
    "securityAdvisorRules",
    "securityAdvisorSuppress",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "skipRequestingAccountId",
    "stsRegion",
    "token",
    "useFipsEndpoint",
    NULL,
};

/* Keys that are not the provider's but still belong: `assumeRole`, which
 * pulumi-aws users carry over and which gets its own failure pointing to
 * assumeRoles, and what the engine adds to a provider's inputs (`version`
 * always; older engines put the plugin's download URL and checksums at the
 * top level too; newer ones nest them under `__internal`, which the engine
 * removes). */
static const char *const other_keys[] = {
    "assumeRole", "version", "pluginDownloadURL", "pluginChecksums", NULL,
};

/* The options a config key sets, to name the key of a problem the AWS client
 * reports and to mark values not known yet. */
static const struct {
    enum aws_opt opt;
    const char *key;
} opt_keys[] = {
    {AWS_OPT_REGION, "region"},
    {AWS_OPT_PROFILE, "profile"},
    {AWS_OPT_SHARED_CREDENTIALS_FILES, "sharedCredentialsFiles"},
    {AWS_OPT_SHARED_CONFIG_FILES, "sharedConfigFiles"},
    {AWS_OPT_SKIP_REGION_VALIDATION, "skipRegionValidation"},
    {AWS_OPT_ENDPOINTS, "endpoints"},
    {AWS_OPT_USE_FIPS_ENDPOINT, "useFipsEndpoint"},
    {AWS_OPT_STS_REGION, "stsRegion"},
    {AWS_OPT_MAX_ATTEMPTS, "maxRetries"},
    {AWS_OPT_CA_BUNDLE, "customCaBundle"},
    {AWS_OPT_INSECURE, "insecure"},
};

/* The keys whose values are lists or objects: provider resources send them
 * JSON-encoded in strings. */
static const char *const config_structured[] = {"endpoints",
                                                "assumeRoles",
                                                "assumeRoleWithWebIdentity",
                                                "allowedAccountIds",
                                                "forbiddenAccountIds",
                                                "sharedCredentialsFiles",
                                                "sharedConfigFiles",
                                                "defaultTags",
                                                "ignoreTags",
                                                "assumeRole",
                                                "securityAdvisorSuppress",
                                                "securityAdvisorRules",
                                                NULL};

struct config_store {
    profile_env env;
    pv *tree; /* normalised copy of the configuration; every borrowed string points into it */
    creds_assume_role roles[CONFIG_MAX_LIST];
    creds_web_identity web_identity;
    /* The arrays of borrowed strings the settings point to. */
    void **arrays;
    size_t n_arrays;
};

/* ---- problems ---------------------------------------------------------------------- */

int config_problem_add(config_problems *p, const char *key, int code, const char *fmt, ...)
{
    char reason[CONFIG_MAX_REASON];
    va_list ap;
    for (size_t i = 0; key[0] && i < p->len; i++)
        if (strcmp(p->items[i].key, key) == 0)
            return 0;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        config_problem *items = realloc(p->items, cap * sizeof(*items));
        if (!items)
            return -1;
        p->items = items;
        p->cap = cap;
    }
    config_problem *it = &p->items[p->len];
    it->key = str_dup(key);
    it->reason = str_dup(reason);
    it->code = code;
    if (!it->key || !it->reason) {
        free(it->key);
        free(it->reason);
        return -1;
    }
    p->len++;
    return 0;
}

void config_problems_free(config_problems *p)
{
    for (size_t i = 0; i < p->len; i++) {
        free(p->items[i].key);
        free(p->items[i].reason);
    }
    free(p->items);
    memset(p, 0, sizeof(*p));
}

void config_problems_to_err(const config_problems *p, err *e)
{
    if (p->len == 1) {
        err_set(e, p->items[0].code, "%s", p->items[0].reason);
        return;
    }
    /* Room for every reason at its longest, so only a lack of memory can stop
     * the list; e->msg then keeps what fits. */
    buf b;
    buf_init(&b, 64 + p->len * (CONFIG_MAX_REASON + 16));
    int rc = buf_printf(&b, "the provider configuration has %zu problems:", p->len);
    for (size_t i = 0; rc == 0 && i < p->len; i++)
        rc = buf_printf(&b, " (%zu) %s%s", i + 1, p->items[i].reason, i + 1 < p->len ? ";" : "");
    if (rc == 0)
        err_set(e, p->len ? p->items[0].code : ERR_INVALID_ARGUMENT, "%s", b.data);
    else
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory listing %zu configuration problems",
                p->len);
    buf_free(&b);
}

/* ---- keys ---------------------------------------------------------------------------- */

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

bool config_key_known(const char *key)
{
    return in_list(config_keys, key) || in_list(other_keys, key) || str_has_prefix(key, "__") ||
           str_has_prefix(key, "pulumi:");
}

/* key folded for comparing: lower case, without '_' and '-'. Its length, or
 * outlen when it does not fit. */
static size_t fold_key(const char *key, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *key; key++) {
        if (*key == '_' || *key == '-')
            continue;
        if (n + 1 >= outlen)
            return outlen;
        out[n++] = (char)tolower((unsigned char)*key);
    }
    out[n] = '\0';
    return n;
}

/* Edits (insert, delete, replace, swap two neighbours) from a to b. */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t rows[3][CONFIG_MAX_KEY + 1];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < d)
                d = before[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

const char *config_key_suggest(const char *key)
{
    char a[CONFIG_MAX_KEY + 1], b[CONFIG_MAX_KEY + 1];
    size_t n = fold_key(key, a, sizeof(a)), best_d = 3;
    const char *best = NULL;
    if (n >= sizeof(a))
        return NULL;
    for (size_t i = 0; config_keys[i]; i++) {
        size_t m = fold_key(config_keys[i], b, sizeof(b));
        size_t d = edit_distance(a, n, b, m);
        if (d < best_d) {
            best_d = d;
            best = config_keys[i];
        }
    }
    return best;
}

/* ---- reading values ------------------------------------------------------------------ */

/* One load: the configuration being built and where its problems go. */
typedef struct load {
    config_settings *c;
    struct config_store *st;
    const pv *given; /* the configuration as received */
    enum config_mode mode;
    config_problems *p;
} load;

/* Records e, a broken rule, against key. -1 when e is no broken rule (out of
 * memory, an internal error) or it cannot be recorded; e says why. */
static int note(load *l, const char *key, err *e)
{
    if (e->code == ERR_RESOURCE_EXHAUSTED || e->code == ERR_INTERNAL || e->code == ERR_OK)
        return -1;
    if (config_problem_add(l->p, key, e->code, "%s", e->msg) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
}

/* CheckConfig may see values that are not known yet (outputs of other resources). */
static bool unknown(const load *l, const char *key)
{
    const pv *v = l->mode == CONFIG_CHECK && l->given ? pv_object_get(l->given, key) : NULL;
    return v && pv_contains_unknown(v);
}

static const pv *cfg_get(const load *l, const char *key)
{
    const pv *v = pv_object_get(l->st->tree, key);
    return v && v->kind != PV_NULL ? v : NULL;
}

static const char *cfg_str(const load *l, const char *key)
{
    const pv *v = cfg_get(l, key);
    return v && v->kind == PV_STRING && v->u.str.len ? v->u.str.s : NULL;
}

/* Booleans arrive as bools, or as "true"/"false" strings from provider resources. */
static int cfg_bool(const load *l, const char *key, bool *out, err *e)
{
    const pv *v = cfg_get(l, key);
    *out = false;
    if (!v)
        return 0;
    if (v->kind == PV_BOOL) {
        *out = v->u.b;
        return 0;
    }
    if (v->kind == PV_STRING && (!strcmp(v->u.str.s, "true") || !strcmp(v->u.str.s, "false"))) {
        *out = v->u.str.s[0] == 't';
        return 0;
    }
    return err_set(e, ERR_INVALID_ARGUMENT, "provider config '%s' must be true or false", key);
}

static int num_of(const pv *v, const char *what, long lo, long hi, long *out, err *e)
{
    double d;
    char *end = NULL;
    if (v->kind == PV_NUMBER)
        d = v->u.n;
    else if (v->kind == PV_STRING && v->u.str.len && (d = strtod(v->u.str.s, &end), *end == '\0'))
        ;
    else
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a whole number", what);
    /* The range first: converting a double outside long's range is undefined. */
    if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long)d)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a whole number from %ld to %ld", what,
                       lo, hi);
    *out = (long)d;
    return 0;
}

/* Decodes key's value when it is JSON in a string, so the rest of the code sees
 * one shape. */
static int decode_json_value(load *l, const char *key, err *e)
{
    const pv *v = pv_object_get(l->st->tree, key);
    if (!v || v->kind != PV_STRING)
        return 0;
    const char *s = v->u.str.s;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '[' && *s != '{')
        return 0;
    unsigned long mark = mem_failures();
    cJSON *j = cJSON_Parse(v->u.str.s);
    if (!j && mem_failures() != mark)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (!j)
        return err_set(e, ERR_INVALID_ARGUMENT, "provider config '%s' is not valid JSON", key);
    pv *n = pv_from_cjson(j);
    cJSON_Delete(j);
    if (!n || pv_object_set(l->st->tree, key, n) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
}

/* A new array of n + 1 borrowed strings, freed with the configuration. */
static const char **new_array(load *l, size_t n, err *e)
{
    struct config_store *st = l->st;
    void **arrays = realloc(st->arrays, (st->n_arrays + 1) * sizeof(*arrays));
    if (!arrays) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    st->arrays = arrays;
    const char **a = calloc(n + 1, sizeof(*a));
    if (!a) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    st->arrays[st->n_arrays++] = (void *)a;
    return a;
}

/* A list of strings from an array: borrowed pointers into the tree. */
static int str_list(load *l, const pv *v, const char *what, const char *const **out, size_t *n,
                    err *e)
{
    *out = NULL;
    *n = 0;
    if (!v || v->kind == PV_NULL)
        return 0;
    if (v->kind != PV_ARRAY)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a list of strings", what);
    if (v->u.arr.len > CONFIG_MAX_LIST)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s has more than %d entries", what,
                       CONFIG_MAX_LIST);
    const char **a = new_array(l, v->u.arr.len, e);
    if (!a)
        return -1;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const pv *it = v->u.arr.items[i];
        if (it->kind != PV_STRING)
            return err_set(e, ERR_INVALID_ARGUMENT, "%s[%zu] must be a string", what, i);
        a[i] = it->u.str.s;
    }
    *out = a;
    *n = v->u.arr.len;
    return 0;
}

/* The strings of v when it is an array (other entries skipped), for settings
 * that have never been refused for their shape. */
static int strings_of(load *l, const pv *v, const char *const **out, size_t *n, err *e)
{
    *out = NULL;
    *n = 0;
    if (!v || v->kind != PV_ARRAY)
        return 0;
    const char **a = new_array(l, v->u.arr.len, e);
    if (!a)
        return -1;
    for (size_t i = 0; i < v->u.arr.len; i++)
        if (v->u.arr.items[i]->kind == PV_STRING)
            a[(*n)++] = v->u.arr.items[i]->u.str.s;
    *out = a;
    return 0;
}

static const char *obj_str(const pv *o, const char *key)
{
    const pv *v = pv_object_get(o, key);
    return v && v->kind == PV_STRING && v->u.str.len ? v->u.str.s : NULL;
}

/* "1h", "15m", "900s", "1h30m" (Go durations, as pulumi-aws takes them) -> seconds. */
static int parse_duration(const char *s, const char *what, int *out, err *e)
{
    long total = 0;
    const char *p = s;
    if (!*p)
        goto bad;
    while (*p) {
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || n < 0)
            goto bad;
        long mul = *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : 0;
        if (!mul || n > 43200 / mul) /* checked before multiplying: no overflow */
            goto bad;
        total += n * mul;
        if (total > 43200)
            goto bad;
        p = end + 1;
    }
    *out = (int)total;
    return 0;
bad:
    return err_set(e, ERR_INVALID_ARGUMENT,
                   "%s must be a duration like \"1h\" or \"15m\" of at most 12h", what);
}

static int role_duration(const pv *o, const char *what, int *out, err *e)
{
    char w[160];
    const pv *ds = pv_object_get(o, "durationSeconds");
    const char *d = obj_str(o, "duration");
    *out = 0;
    if (d) {
        snprintf(w, sizeof(w), "%s.duration", what);
        return parse_duration(d, w, out, e);
    }
    if (ds && ds->kind != PV_NULL) {
        long n;
        snprintf(w, sizeof(w), "%s.durationSeconds", what);
        if (num_of(ds, w, 900, 43200, &n, e) != 0)
            return -1;
        *out = (int)n;
    }
    return 0;
}

/* ---- the settings --------------------------------------------------------------------- */

static int parse_assume_roles(load *l, err *e)
{
    const pv *v = cfg_get(l, "assumeRoles");
    if (!v)
        return 0;
    if (v->kind != PV_ARRAY)
        return err_set(e, ERR_INVALID_ARGUMENT, "provider config 'assumeRoles' must be a list");
    if (v->u.arr.len > CONFIG_MAX_LIST)
        return err_set(e, ERR_INVALID_ARGUMENT, "assumeRoles has more than %d entries",
                       CONFIG_MAX_LIST);
    l->c->aws.assume_roles = l->st->roles;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const pv *o = v->u.arr.items[i];
        char what[64];
        snprintf(what, sizeof(what), "assumeRoles[%zu]", i);
        if (o->kind != PV_OBJECT)
            return err_set(e, ERR_INVALID_ARGUMENT, "%s must be an object", what);
        creds_assume_role *ar = &l->st->roles[l->c->aws.n_assume_roles];
        memset(ar, 0, sizeof(*ar));
        ar->role_arn = obj_str(o, "roleArn");
        if (!ar->role_arn)
            return err_set(e, ERR_INVALID_ARGUMENT, "%s.roleArn is required", what);
        ar->session_name = obj_str(o, "sessionName");
        ar->external_id = obj_str(o, "externalId");
        ar->policy = obj_str(o, "policy");
        ar->source_identity = obj_str(o, "sourceIdentity");
        char w[96];
        snprintf(w, sizeof(w), "%s.policyArns", what);
        if (str_list(l, pv_object_get(o, "policyArns"), w, &ar->policy_arns, &ar->n_policy_arns,
                     e) != 0)
            return -1;
        snprintf(w, sizeof(w), "%s.transitiveTagKeys", what);
        if (str_list(l, pv_object_get(o, "transitiveTagKeys"), w, &ar->transitive_tag_keys,
                     &ar->n_transitive, e) != 0)
            return -1;
        const pv *tags = pv_object_get(o, "tags");
        if (tags && tags->kind == PV_OBJECT && tags->u.obj.len) {
            const char **k = new_array(l, tags->u.obj.len, e);
            const char **vv = k ? new_array(l, tags->u.obj.len, e) : NULL;
            if (!vv)
                return -1;
            for (size_t t = 0; t < tags->u.obj.len; t++) {
                if (tags->u.obj.vals[t]->kind != PV_STRING)
                    return err_set(e, ERR_INVALID_ARGUMENT, "%s.tags values must be strings", what);
                k[t] = tags->u.obj.keys[t];
                vv[t] = tags->u.obj.vals[t]->u.str.s;
            }
            ar->tag_keys = k;
            ar->tag_values = vv;
            ar->n_tags = tags->u.obj.len;
        }
        if (role_duration(o, what, &ar->duration_seconds, e) != 0)
            return -1;
        l->c->aws.n_assume_roles++;
    }
    return 0;
}

static int parse_web_identity(load *l, err *e)
{
    const pv *o = cfg_get(l, "assumeRoleWithWebIdentity");
    if (!o)
        return 0;
    if (o->kind != PV_OBJECT)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "provider config 'assumeRoleWithWebIdentity' must be an object");
    creds_web_identity *wi = &l->st->web_identity;
    wi->role_arn = obj_str(o, "roleArn");
    if (!wi->role_arn)
        return err_set(e, ERR_INVALID_ARGUMENT, "assumeRoleWithWebIdentity.roleArn is required");
    wi->session_name = obj_str(o, "sessionName");
    wi->token = obj_str(o, "webIdentityToken");
    wi->token_file = obj_str(o, "webIdentityTokenFile");
    wi->policy = obj_str(o, "policy");
    if (!wi->token && !wi->token_file)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "assumeRoleWithWebIdentity needs webIdentityToken or webIdentityTokenFile");
    if (str_list(l, pv_object_get(o, "policyArns"), "assumeRoleWithWebIdentity.policyArns",
                 &wi->policy_arns, &wi->n_policy_arns, e) != 0)
        return -1;
    if (role_duration(o, "assumeRoleWithWebIdentity", &wi->duration_seconds, e) != 0)
        return -1;
    l->c->aws.web_identity = wi;
    return 0;
}

static int parse_endpoints(load *l, err *e)
{
    static const char *const names[ENDPOINTS_N_SERVICES] = {"iam", "sts", "sagemaker", "s3", "kms"};
    const pv *v = cfg_get(l, "endpoints");
    if (!v)
        return 0;
    /* pulumi-aws takes a list of objects; an object alone is accepted too. */
    size_t n = v->kind == PV_ARRAY ? v->u.arr.len : 1;
    for (size_t i = 0; i < n; i++) {
        const pv *o = v->kind == PV_ARRAY ? v->u.arr.items[i] : v;
        if (o->kind != PV_OBJECT)
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "provider config 'endpoints' must be a list of objects like "
                           "{\"iam\": \"https://...\"}");
        for (size_t k = 0; k < o->u.obj.len; k++) {
            size_t s = 0;
            while (s < ENDPOINTS_N_SERVICES && strcmp(names[s], o->u.obj.keys[k]) != 0)
                s++;
            if (s == ENDPOINTS_N_SERVICES) {
                if (l->mode == CONFIG_CONFIGURE)
                    log_user(LOG_WARNING, NULL, false,
                             "provider config endpoints.%s is ignored: awsml calls only iam, sts, "
                             "sagemaker, s3 and kms",
                             o->u.obj.keys[k]);
                continue;
            }
            const pv *u = o->u.obj.vals[k];
            if (u->kind != PV_STRING)
                return err_set(e, ERR_INVALID_ARGUMENT, "endpoints.%s must be a URL string",
                               names[s]);
            if (u->u.str.len)
                l->c->aws.endpoints[s] = u->u.str.s;
        }
    }
    return 0;
}

/* Keys that are neither the provider's nor the engine's: a problem of the key
 * for CheckConfig (with the key it most likely meant), a warning at Configure. */
static int check_keys(load *l, err *e)
{
    const pv *g = l->given;
    for (size_t i = 0; g && g->kind == PV_OBJECT && i < g->u.obj.len; i++) {
        const char *key = g->u.obj.keys[i];
        if (config_key_known(key) || g->u.obj.vals[i]->kind == PV_NULL)
            continue;
        const char *hint = config_key_suggest(key);
        if (l->mode == CONFIG_CONFIGURE) {
            log_user(LOG_WARNING, NULL, false,
                     "unknown provider config key '%.200s' is ignored%s%s%s", key,
                     hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
            continue;
        }
        if (hint)
            err_set(e, ERR_INVALID_ARGUMENT,
                    "unknown provider config key '%.200s': did you mean %s?", key, hint);
        else
            err_set(e, ERR_INVALID_ARGUMENT,
                    "unknown provider config key '%.200s' (the README's Configuration lists the "
                    "keys)",
                    key);
        if (note(l, key, e) != 0)
            return -1;
    }
    return 0;
}

/* Region, profile and the shared files. */
static int load_files(load *l, err *e)
{
    aws_options *o = &l->c->aws;
    o->region = cfg_str(l, "region");
    o->profile = cfg_str(l, "profile");
    if (str_list(l, cfg_get(l, "sharedCredentialsFiles"), "sharedCredentialsFiles",
                 &o->shared_credentials_files, &o->n_shared_credentials_files, e) != 0) {
        o->unsettled |= AWS_OPT_BIT(AWS_OPT_SHARED_CREDENTIALS_FILES);
        if (note(l, "sharedCredentialsFiles", e) != 0)
            return -1;
    }
    if (str_list(l, cfg_get(l, "sharedConfigFiles"), "sharedConfigFiles", &o->shared_config_files,
                 &o->n_shared_config_files, e) != 0) {
        o->unsettled |= AWS_OPT_BIT(AWS_OPT_SHARED_CONFIG_FILES);
        if (note(l, "sharedConfigFiles", e) != 0)
            return -1;
    }
    return 0;
}

static int load_flags(load *l, err *e)
{
    aws_options *o = &l->c->aws;
    struct {
        const char *key;
        bool *out;
    } flags[] = {{"skipRegionValidation", &o->skip_region_validation},
                 {"skipMetadataApiCheck", &o->skip_metadata_api_check},
                 {"skipCredentialsValidation", &o->skip_credentials_validation},
                 {"skipRequestingAccountId", &o->skip_requesting_account_id},
                 {"insecure", &o->insecure}};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (cfg_bool(l, flags[i].key, flags[i].out, e) != 0 && note(l, flags[i].key, e) != 0)
            return -1;
    return 0;
}

/* FIPS, the endpoints, STS's region, retries. */
static int load_calls(load *l, err *e)
{
    aws_options *o = &l->c->aws;
    if (cfg_get(l, "useFipsEndpoint")) {
        bool f;
        if (cfg_bool(l, "useFipsEndpoint", &f, e) != 0) {
            if (note(l, "useFipsEndpoint", e) != 0)
                return -1;
        } else {
            o->use_fips_endpoint = f ? ENDPOINTS_ON : ENDPOINTS_OFF;
        }
    }
    if (parse_endpoints(l, e) != 0 && note(l, "endpoints", e) != 0)
        return -1;
    o->sts_region = cfg_str(l, "stsRegion");
    /* maxRetries (config) > AWS_MAX_ATTEMPTS > 3 attempts: a maxRetries that
     * is refused leaves the variable out too. */
    const pv *mr = cfg_get(l, "maxRetries");
    long n = 0;
    if (mr && num_of(mr, "provider config 'maxRetries'", 0, 100, &n, e) != 0) {
        o->unsettled |= AWS_OPT_BIT(AWS_OPT_MAX_ATTEMPTS);
        if (note(l, "maxRetries", e) != 0)
            return -1;
    } else if (mr) {
        o->max_attempts = (int)n + 1;
    }
    const char *mode = cfg_str(l, "retryMode");
    if (mode && strcmp(mode, "standard") != 0 && strcmp(mode, "adaptive") != 0) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'retryMode' must be standard or adaptive");
        if (note(l, "retryMode", e) != 0)
            return -1;
    }
    o->ca_bundle = cfg_str(l, "customCaBundle");
    o->http_proxy = cfg_str(l, "httpProxy");
    o->https_proxy = cfg_str(l, "httpsProxy");
    o->no_proxy = cfg_str(l, "noProxy");
    return 0;
}

/* Credentials and the account guards. */
static int load_credentials(load *l, err *e)
{
    aws_options *o = &l->c->aws;
    o->access_key = cfg_str(l, "accessKey");
    o->secret_key = cfg_str(l, "secretKey");
    o->token = cfg_str(l, "token");
    if (cfg_get(l, "assumeRole")) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'assumeRole' is not supported; use 'assumeRoles', a list of "
                "roles assumed in order");
        if (note(l, "assumeRole", e) != 0)
            return -1;
    }
    if (parse_assume_roles(l, e) != 0 && note(l, "assumeRoles", e) != 0)
        return -1;
    if (parse_web_identity(l, e) != 0 && note(l, "assumeRoleWithWebIdentity", e) != 0)
        return -1;
    if (str_list(l, cfg_get(l, "allowedAccountIds"), "allowedAccountIds", &o->allowed_account_ids,
                 &o->n_allowed_account_ids, e) != 0 &&
        note(l, "allowedAccountIds", e) != 0)
        return -1;
    if (str_list(l, cfg_get(l, "forbiddenAccountIds"), "forbiddenAccountIds",
                 &o->forbidden_account_ids, &o->n_forbidden_account_ids, e) != 0 &&
        note(l, "forbiddenAccountIds", e) != 0)
        return -1;
    return 0;
}

/* The advisor's mode and the shape of its suppress list (advice.c checks the
 * rule IDs: it knows them). */
static int load_advisor(load *l, err *e)
{
    config_advisor *a = &l->c->advisor;
    const pv *m = cfg_get(l, "securityAdvisor");
    if (m && m->kind == PV_STRING && strcmp(m->u.str.s, "off") == 0) {
        a->mode = CONFIG_ADVISOR_OFF;
    } else if (m && m->kind == PV_STRING && strcmp(m->u.str.s, "enforce") == 0) {
        a->mode = CONFIG_ADVISOR_ENFORCE;
    } else if (m && (m->kind != PV_STRING || strcmp(m->u.str.s, "warn") != 0)) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'securityAdvisor' must be off, warn or enforce");
        if (note(l, "securityAdvisor", e) != 0)
            return -1;
    }
    const pv *r = cfg_get(l, "securityAdvisorRules");
    if (r && r->kind != PV_OBJECT && r->kind != PV_NULL) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'securityAdvisorRules' must be an object: rule ID -> its "
                "properties");
        if (note(l, "securityAdvisorRules", e) != 0)
            return -1;
    } else if (r && r->kind == PV_OBJECT) {
        a->rules = r;
    }
    const pv *s = cfg_get(l, "securityAdvisorSuppress");
    if (s && s->kind != PV_ARRAY) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'securityAdvisorSuppress' must be a list of rule IDs");
        return note(l, "securityAdvisorSuppress", e);
    }
    if (!s)
        return 0;
    const char **ids = new_array(l, s->u.arr.len, e);
    if (!ids)
        return -1;
    for (size_t i = 0; i < s->u.arr.len; i++)
        ids[i] = s->u.arr.items[i]->kind == PV_STRING ? s->u.arr.items[i]->u.str.s : NULL;
    a->suppress = ids;
    a->n_suppress = s->u.arr.len;
    return 0;
}

/* defaultTags {tags} and ignoreTags {keys, keyPrefixes}, as resources apply them. */
static int load_tags(load *l, err *e)
{
    config_tags *t = &l->c->tags;
    const pv *dt = cfg_get(l, "defaultTags");
    const pv *tags = dt && dt->kind == PV_OBJECT ? pv_object_get(dt, "tags") : NULL;
    t->default_tags = tags && tags->kind == PV_OBJECT ? tags : NULL;
    const pv *it = cfg_get(l, "ignoreTags");
    if (!it || it->kind != PV_OBJECT)
        return 0;
    if (strings_of(l, pv_object_get(it, "keys"), &t->ignore_keys, &t->n_ignore_keys, e) != 0 ||
        strings_of(l, pv_object_get(it, "keyPrefixes"), &t->ignore_key_prefixes,
                   &t->n_ignore_key_prefixes, e) != 0)
        return -1;
    return 0;
}

/* aws_options_check's report: the option's config key ("" for none). */
static int report_problem(void *ctx, enum aws_opt opt, err *e)
{
    const char *key = "";
    for (size_t i = 0; i < sizeof(opt_keys) / sizeof(opt_keys[0]); i++)
        if (opt_keys[i].opt == opt)
            key = opt_keys[i].key;
    return note(ctx, key, e);
}

static int load_all(load *l, err *e)
{
    struct config_store *st = l->st;
    st->tree = l->given ? pv_strip_secrets(l->given) : pv_object();
    if (!st->tree)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (st->tree->kind != PV_OBJECT) {
        err_set(e, ERR_INVALID_ARGUMENT, "provider config must be an object");
        return note(l, "", e);
    }
    if (check_keys(l, e) != 0)
        return -1;
    /* Values not known yet are judged when they are (at Configure). */
    for (size_t i = st->tree->u.obj.len; l->mode == CONFIG_CHECK && i-- > 0;)
        if (pv_contains_unknown(st->tree->u.obj.vals[i]))
            pv_object_remove(st->tree, st->tree->u.obj.keys[i]);
    for (size_t i = 0; i < sizeof(opt_keys) / sizeof(opt_keys[0]); i++)
        if (unknown(l, opt_keys[i].key))
            l->c->aws.unsettled |= AWS_OPT_BIT(opt_keys[i].opt);
    for (size_t i = 0; config_structured[i]; i++)
        if (decode_json_value(l, config_structured[i], e) != 0 &&
            note(l, config_structured[i], e) != 0)
            return -1;
    if (load_files(l, e) != 0 || load_flags(l, e) != 0 || load_calls(l, e) != 0 ||
        load_credentials(l, e) != 0 || load_advisor(l, e) != 0 || load_tags(l, e) != 0)
        return -1;
    return aws_options_check(&l->c->aws, (aws_report){report_problem, l}, e);
}

/* ---- the configuration ---------------------------------------------------------------- */

int config_load(const pv *given, const profile_env *env, enum config_mode mode,
                config_settings **out, config_problems *p, err *e)
{
    config_settings *c = calloc(1, sizeof(*c));
    int rc = -1;
    *out = NULL;
    if (!c || !(c->store = calloc(1, sizeof(*c->store)))) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    c->store->env = env ? *env : profile_env_system();
    c->aws.env = &c->store->env;
    load l = {.c = c, .st = c->store, .given = given, .mode = mode, .p = p};
    if (load_all(&l, e) != 0)
        goto out;
    *out = c;
    c = NULL;
    rc = 0;
out:
    config_free(c);
    return rc;
}

void config_free(config_settings *c)
{
    if (!c)
        return;
    struct config_store *st = c->store;
    for (size_t i = 0; st && i < st->n_arrays; i++)
        free(st->arrays[i]);
    if (st) {
        free(st->arrays);
        pv_free(st->tree);
        free(st);
    }
    free(c);
}

const pv *config_tree(const config_settings *c)
{
    return c->store->tree;
}

int config_client_new(const config_settings *c, const config_problems *p, aws_client **out, err *e)
{
    *out = NULL;
    if (p && p->len) {
        config_problems_to_err(p, e);
        return -1;
    }
    return aws_client_new(&c->aws, out, e);
}
