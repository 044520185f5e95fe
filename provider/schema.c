/* schema: the embedded schema, as awsml or renamed for drop-in mode. */
#include "schema.h"

#include <cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "util/str.h"

/* Both come from the Makefile (VERSION, AWS_MIRROR_VERSION); no default, so
 * that no build can report a version other than the one it was made with. */
#if !defined(AWSML_VERSION) || !defined(AWSML_DROPIN_VERSION)
#error "AWSML_VERSION and AWSML_DROPIN_VERSION are defined by the Makefile"
#endif

#define SCHEMA_DROPIN_BIN "pulumi-resource-aws"
#define SCHEMA_OWN_PREFIX "awsml:"
#define SCHEMA_REF_PREFIX "#/types/awsml:"

static bool dropin;
static char *dropin_json;
static pthread_once_t dropin_once = PTHREAD_ONCE_INIT;

void schema_select(const char *argv0)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;
    base = base ? base + 1 : argv0;
    dropin = base && strcmp(base, SCHEMA_DROPIN_BIN) == 0;
}

const char *schema_package(void)
{
    return dropin ? "aws" : "awsml";
}

const char *schema_plugin_version(void)
{
    return dropin ? AWSML_DROPIN_VERSION : AWSML_VERSION;
}

/* "awsml:x" -> "aws:x" (and "#/types/awsml:x" -> "#/types/aws:x"): drops the
 * two letters "ml" that follow the package name. NULL on allocation failure. */
static char *rename_token(const char *s, size_t pkg_end)
{
    size_t n = strlen(s);
    char *r = malloc(n - 1);
    if (!r)
        return NULL;
    memcpy(r, s, pkg_end - 2);
    memcpy(r + pkg_end - 2, s + pkg_end, n - pkg_end + 1);
    return r;
}

/* Renames every object key that is an awsml token and every "$ref" to one. */
static int rename_tree(cJSON *node)
{
    for (cJSON *c = node ? node->child : NULL; c; c = c->next) {
        if (c->string && str_has_prefix(c->string, SCHEMA_OWN_PREFIX)) {
            char *k = rename_token(c->string, strlen(SCHEMA_OWN_PREFIX) - 1);
            if (!k)
                return -1;
            if (!(c->type & cJSON_StringIsConst))
                cJSON_free(c->string);
            c->string = k;
            c->type &= ~cJSON_StringIsConst;
        }
        if (cJSON_IsString(c) && c->string && strcmp(c->string, "$ref") == 0 &&
            str_has_prefix(c->valuestring, SCHEMA_REF_PREFIX)) {
            char *v = rename_token(c->valuestring, strlen(SCHEMA_REF_PREFIX) - 1);
            if (!v)
                return -1;
            cJSON_free(c->valuestring);
            c->valuestring = v;
        }
        if (rename_tree(c) != 0)
            return -1;
    }
    return 0;
}

/* Sets object[key] to a new string; false (and nothing leaked) on failure. */
static bool set_string(cJSON *object, const char *key, const char *value)
{
    cJSON *v = cJSON_CreateString(value);
    if (v && cJSON_ReplaceItemInObjectCaseSensitive(object, key, v))
        return true;
    cJSON_Delete(v);
    return false;
}

static void build_dropin(void)
{
    cJSON *root = cJSON_ParseWithLength(awsml_schema_json, awsml_schema_json_len);
    cJSON *lang = cJSON_GetObjectItemCaseSensitive(root, "language");
    cJSON *py = cJSON_GetObjectItemCaseSensitive(lang, "python");
    cJSON *node = cJSON_GetObjectItemCaseSensitive(lang, "nodejs");
    cJSON *go = cJSON_GetObjectItemCaseSensitive(lang, "go");
    /* The SDK names pulumi-aws's own SDKs carry. */
    if (!root || rename_tree(root) != 0 || !set_string(root, "name", "aws") ||
        (py && !set_string(py, "packageName", "pulumi_aws")) ||
        (node && !set_string(node, "packageName", "@pulumi/aws")) ||
        (go && (!set_string(go, "importBasePath", "github.com/pulumi/pulumi-aws/sdk/v7/go/aws") ||
                !set_string(go, "rootPackageName", "aws"))))
        goto out;
    dropin_json = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
}

const char *schema_json(void)
{
    if (!dropin)
        return awsml_schema_json;
    pthread_once(&dropin_once, build_dropin);
    return dropin_json;
}
