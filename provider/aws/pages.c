/* pages: list calls followed to their last page. */
#include "aws/pages.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/str.h"

#define PAGES_TOKEN_MAX 2048

static int pages_oom(err *e)
{
    return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory listing");
}

/* One query page: the items of <Action>Result/<list>, and the next marker
 * into next ("" when this was the last page). 1 when the callback stopped. */
static int pages_query_one(aws_client *c, enum endpoints_service svc, const char *action,
                           const char *version, const char *const *params, const char *list,
                           aws_cancel cancel, const char *marker, pages_xml_item each, void *arg,
                           char *next, err *e)
{
    query q;
    xml_node *root = NULL;
    char path[256];
    int rc = -1;
    next[0] = '\0';
    if (query_init(&q, action, version) != 0) {
        pages_oom(e);
        goto out;
    }
    for (size_t i = 0; params && params[i]; i += 2)
        if (params[i + 1] && query_add(&q, params[i], params[i + 1]) != 0) {
            pages_oom(e);
            goto out;
        }
    if (marker[0] && query_add(&q, "Marker", marker) != 0) {
        pages_oom(e);
        goto out;
    }
    if (aws_query(c, svc, action, &q, true, cancel, &root, e) != 0)
        goto out;
    snprintf(path, sizeof(path), "%sResult/%s", action, list);
    const xml_node *ln = xml_path(root, path);
    for (size_t i = 0; ln && i < ln->n_children; i++) {
        if (strcmp(ln->children[i]->name, "member") != 0)
            continue;
        int r = each(arg, ln->children[i], e);
        if (r != 0) {
            rc = r;
            goto out;
        }
    }
    snprintf(path, sizeof(path), "%sResult/IsTruncated", action);
    const char *trunc = xml_path_text(root, path);
    snprintf(path, sizeof(path), "%sResult/Marker", action);
    const char *m = xml_path_text(root, path);
    if (trunc && strcmp(trunc, "true") == 0 && m && *m &&
        str_copy(next, PAGES_TOKEN_MAX, m) >= PAGES_TOKEN_MAX) {
        err_set(e, ERR_INTERNAL, "%s returned an over-long pagination marker", action);
        goto out;
    }
    rc = 0;
out:
    query_free(&q);
    xml_free(root);
    return rc;
}

int pages_query(aws_client *c, enum endpoints_service svc, const char *action, const char *version,
                const char *const *params, const char *list, aws_cancel cancel, pages_xml_item each,
                void *arg, err *e)
{
    char marker[PAGES_TOKEN_MAX] = "", next[PAGES_TOKEN_MAX];
    for (int page = 0; page < PAGES_MAX; page++) {
        int r = pages_query_one(c, svc, action, version, params, list, cancel, marker, each, arg,
                                next, e);
        if (r < 0)
            return -1;
        if (r > 0 || !next[0])
            return 0;
        memcpy(marker, next, sizeof(marker));
    }
    return err_set(e, ERR_INTERNAL, "%s did not end after %d pages", action, PAGES_MAX);
}

/* One JSON page; next as for pages_query_one. *marker: the token goes in
 * "Marker" (KMS: NextMarker while Truncated) rather than "NextToken"; the
 * response says which, and the next request follows it. */
static int pages_json_one(aws_client *c, enum endpoints_service svc, const char *target,
                          const cJSON *body, const char *list, aws_cancel cancel, const char *token,
                          pages_json_item each, void *arg, char *next, bool *marker, err *e)
{
    cJSON *req = cJSON_Duplicate(body, true), *resp = NULL;
    char *text = NULL, *out = NULL;
    size_t outlen = 0;
    int rc = -1;
    next[0] = '\0';
    if (!req ||
        (token[0] && !cJSON_AddStringToObject(req, *marker ? "Marker" : "NextToken", token)) ||
        !(text = cJSON_PrintUnformatted(req))) {
        pages_oom(e);
        goto out;
    }
    if (aws_json(c, svc, target, text, true, cancel, &out, &outlen, e) != 0)
        goto out;
    unsigned long mark = mem_failures();
    resp = cJSON_ParseWithLength(out ? out : "{}", out ? outlen : 2);
    if (!resp) {
        if (mem_failures() != mark)
            pages_oom(e);
        else
            err_set(e, ERR_INTERNAL, "%s returned a body that is not JSON", target);
        goto out;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, list))
    {
        int r = each(arg, item, e);
        if (r != 0) {
            rc = r;
            goto out;
        }
    }
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(resp, "NextToken");
    *marker = false;
    if (!cJSON_IsString(nt) && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "Truncated"))) {
        nt = cJSON_GetObjectItemCaseSensitive(resp, "NextMarker");
        *marker = true;
    }
    if (cJSON_IsString(nt) && nt->valuestring[0] &&
        str_copy(next, PAGES_TOKEN_MAX, nt->valuestring) >= PAGES_TOKEN_MAX) {
        err_set(e, ERR_INTERNAL, "%s returned an over-long pagination token", target);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(req);
    cJSON_Delete(resp);
    cJSON_free(text);
    free(out);
    return rc;
}

int pages_json(aws_client *c, enum endpoints_service svc, const char *target, const cJSON *body,
               const char *list, aws_cancel cancel, pages_json_item each, void *arg, err *e)
{
    char token[PAGES_TOKEN_MAX] = "", next[PAGES_TOKEN_MAX];
    bool marker = false;
    for (int page = 0; page < PAGES_MAX; page++) {
        int r =
            pages_json_one(c, svc, target, body, list, cancel, token, each, arg, next, &marker, e);
        if (r < 0)
            return -1;
        if (r > 0 || !next[0])
            return 0;
        memcpy(token, next, sizeof(token));
    }
    return err_set(e, ERR_INTERNAL, "%s did not end after %d pages", target, PAGES_MAX);
}
