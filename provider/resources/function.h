/* function: the provider's functions (Pulumi "invokes", pulumi-aws's data
 * sources) and their registry, beside the resource registry.
 *
 * A function is a table (resources/engine.h rows: the rows that are not
 * EP_OUTPUT are its arguments, every row is in its result) plus one hook that
 * computes the result. function_invoke() checks the arguments with the
 * engine's Check (types, required, defaults, rules, each failure naming the
 * argument's path) before the hook runs, so a hook sees arguments that passed.
 * Like resources, a function is registered once as "<module>/<name>:<name>"
 * and answers to "awsml:..." and to pulumi-aws's "aws:..."; its schema entry
 * comes from the same table (engine_schema_function). */
#ifndef AWSML_RESOURCES_FUNCTION_H
#define AWSML_RESOURCES_FUNCTION_H

#include <stddef.h>

#include "props.h"
#include "resource.h"
#include "util/err.h"

struct eng_table;

typedef struct function_type {
    const char *token; /* "<module>/<name>:<name>", e.g. "index/getRegion:getRegion" */
    const struct eng_table *table;
    /* Rules the table cannot say (one-of, cross-argument), after the table's
     * checks, on the checked arguments. NULL: none. */
    int (*check_hook)(res_ctx *ctx, const pv *args, check_failures *f, err *e);
    /* The result object from checked, plain arguments. */
    int (*invoke)(res_ctx *ctx, const pv *args, pv **result, err *e);
} function_type;

/* The i-th registered function; NULL past the last. */
const function_type *function_at(size_t i);
/* The function of a full token ("aws:..." or "awsml:..."); NULL with an error
 * naming the token and listing every function there is. */
const function_type *function_find(const char *token, err *e);
/* Checks args (absent: none); on failures fills f and returns 0 without
 * calling the hook (*result NULL). Otherwise *result is the hook's answer. */
int function_invoke(const function_type *ft, res_ctx *ctx, const pv *args, pv **result,
                    check_failures *f, err *e);

#endif
