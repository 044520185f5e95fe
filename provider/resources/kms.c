/* kms: see kms.h. */
#include "resources/kms.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "resources/common.h"
#include "util/mem.h"
#include "util/str.h"

int kms_call(res_ctx *ctx, aws_client *c, const char *op, const cJSON *body, bool idem,
             aws_outcome *oc, cJSON **resp, err *e)
{
    char target[64];
    snprintf(target, sizeof(target), "TrentService.%s", op);
    char *text = cJSON_PrintUnformatted(body);
    if (!text)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building %s", op);
    char *out = NULL;
    size_t outlen = 0;
    int rc = aws_json_ex(c, ENDPOINTS_KMS, target, text, idem, res_aws_cancel(ctx), oc, &out,
                         &outlen, e);
    cJSON_free(text);
    if (rc == 0 && resp) {
        unsigned long mark = mem_failures();
        *resp = cJSON_ParseWithLength(out ? out : "{}", out ? outlen : 2);
        if (!*resp && mem_failures() != mark)
            rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the %s response", op);
        else if (!*resp)
            rc = err_set(e, ERR_INTERNAL, "KMS %s returned a body that is not JSON", op);
    }
    free(out);
    return rc;
}

int kms_list(res_ctx *ctx, aws_client *c, const char *op, const cJSON *body, const char *list,
             pages_json_item each, void *arg, err *e)
{
    char target[64];
    snprintf(target, sizeof(target), "TrentService.%s", op);
    return pages_json(c, ENDPOINTS_KMS, target, body, list, res_aws_cancel(ctx), each, arg, e);
}

const char *kms_str(const cJSON *o, const char *path)
{
    char part[64];
    while (o && *path) {
        size_t n = strcspn(path, "/");
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, part);
        path += n + (path[n] == '/');
    }
    return cJSON_IsString(o) ? o->valuestring : NULL;
}

cJSON *kms_req(const char *k1, ...)
{
    cJSON *o = cJSON_CreateObject();
    va_list ap;
    va_start(ap, k1);
    for (const char *k = k1; o && k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        if (v && !cJSON_AddStringToObject(o, k, v)) {
            cJSON_Delete(o);
            o = NULL;
        }
    }
    va_end(ap);
    return o;
}

bool kms_same_key(const char *given, const char *key_id)
{
    if (!given || !key_id || !*key_id)
        return false;
    size_t g = strlen(given), k = strlen(key_id);
    return strcmp(given, key_id) == 0 ||
           (g > k + 4 && strcmp(given + g - k, key_id) == 0 &&
            strncmp(given + g - k - 4, "key/", 4) == 0 && str_has_prefix(given, "arn:"));
}

typedef struct kms_finding {
    const char *field, *value;
    cJSON *found;
} kms_finding;

static int kms_match(void *arg, const cJSON *item, err *e)
{
    kms_finding *f = arg;
    if (!str_eq(kms_str(item, f->field), f->value))
        return 0;
    f->found = cJSON_Duplicate(item, true);
    return f->found ? 1 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

cJSON *kms_find(res_ctx *ctx, aws_client *c, const char *op, const char *list, const char *field,
                const char *value, const char *what, err *e)
{
    kms_finding f = {field, value, NULL};
    cJSON *req = cJSON_CreateObject();
    if (!req) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    if (kms_list(ctx, c, op, req, list, kms_match, &f, e) == 0 && !f.found)
        err_set(e, ERR_NOT_FOUND, "%s %s does not exist", what, value ? value : "");
    cJSON_Delete(req);
    return f.found;
}

const char *kms_created(const cJSON *item, char *text)
{
    const cJSON *cd = cJSON_GetObjectItemCaseSensitive(item, "CreationDate");
    if (!cJSON_IsNumber(cd))
        return NULL;
    snprintf(text, 32, "%.3f", cd->valuedouble);
    return text;
}
