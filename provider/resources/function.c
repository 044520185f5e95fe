/* function: the registry of functions and the one path every Invoke takes
 * (arguments checked by the table, then the function's hook). */
#include "resources/function.h"

#include <string.h>

#include "resources/engine.h"
#include "util/buf.h"

/* The built-in functions (provider/resources/fn_*.c). */
extern const function_type fn_get_caller_identity;
extern const function_type fn_get_partition;
extern const function_type fn_get_region;
extern const function_type fn_get_policy_document;
static const function_type *const builtin_functions[] = {
    &fn_get_caller_identity, &fn_get_partition, &fn_get_region, &fn_get_policy_document, NULL};

const function_type *function_at(size_t i)
{
    size_t n = sizeof(builtin_functions) / sizeof(builtin_functions[0]) - 1;
    return i < n ? builtin_functions[i] : NULL;
}

const function_type *function_find(const char *token, err *e)
{
    const char *colon = token ? strchr(token, ':') : NULL;
    if (colon) {
        size_t pkglen = (size_t)(colon - token);
        bool ours = (pkglen == 5 && strncmp(token, "awsml", 5) == 0) ||
                    (pkglen == 3 && strncmp(token, "aws", 3) == 0);
        for (size_t i = 0; ours && builtin_functions[i]; i++)
            if (strcmp(builtin_functions[i]->token, colon + 1) == 0)
                return builtin_functions[i];
    }
    buf known;
    buf_init(&known, 4096);
    for (size_t i = 0; builtin_functions[i]; i++)
        if (buf_printf(&known, "%s%s", i ? ", " : "", builtin_functions[i]->token) != 0) {
            buf_free(&known);
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory listing the functions");
            return NULL;
        }
    err_set(e, ERR_INVALID_ARGUMENT,
            "awsml does not implement function '%.300s'; it serves %s (as awsml:<token> or "
            "aws:<token>)",
            token ? token : "", known.data ? known.data : "no functions");
    buf_free(&known);
    return NULL;
}

int function_invoke(const function_type *ft, res_ctx *ctx, const pv *args, pv **result,
                    check_failures *f, err *e)
{
    /* The engine's Check on the table, as for a resource with no hooks. */
    const resource_type rt = {.token = ft->token, .table = ft->table};
    pv *checked = NULL;
    int rc = -1;
    *result = NULL;
    size_t before = f->len;
    if (args && pv_contains_unknown(args)) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "%s: an argument is not known yet; a function runs on known values only",
                ft->token);
        goto done;
    }
    if (engine_check(&rt, ctx, NULL, args, &checked, f, e) != 0)
        goto done;
    if (f->len == before && ft->check_hook && ft->check_hook(ctx, checked, f, e) != 0)
        goto done;
    if (f->len != before) {
        rc = 0;
        goto done;
    }
    rc = ft->invoke(ctx, checked, result, e);
done:
    pv_free(checked);
    return rc;
}
