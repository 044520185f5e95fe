/* gen-schema PACKAGE_JSON: prints the package schema the plugin serves:
 * PACKAGE_JSON (the package-level parts written by hand: metadata, provider
 * configuration, shared types) with every registered resource type's entry
 * and object types added from its table (resources/engine.h), and every
 * function's entry from its table (resources/function.h). The build
 * embeds the result; nothing about a resource property is written twice. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "resource.h"
#include "resources/engine.h"
#include "resources/function.h"
#include "util/buf.h"

#define GEN_SCHEMA_MAX_BYTES (16L * 1024 * 1024)

static cJSON *gen_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    buf b;
    buf_init(&b, GEN_SCHEMA_MAX_BYTES);
    cJSON *j = NULL;
    char chunk[8192];
    size_t n;
    if (!f) {
        fprintf(stderr, "gen-schema: cannot open %s\n", path);
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(&b, chunk, n) != 0) {
            fprintf(stderr, "gen-schema: %s is larger than %ld bytes\n", path,
                    GEN_SCHEMA_MAX_BYTES);
            goto out;
        }
    j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    if (!j || !cJSON_IsObject(j)) {
        fprintf(stderr, "gen-schema: %s is not a JSON object\n", path);
        cJSON_Delete(j);
        j = NULL;
    }
out:
    if (f)
        fclose(f);
    buf_free(&b);
    return j;
}

/* The object at key, created when absent. */
static cJSON *gen_section(cJSON *root, const char *key)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!s)
        s = cJSON_AddObjectToObject(root, key);
    return cJSON_IsObject(s) ? s : NULL;
}

int main(int argc, char **argv)
{
    int rc = 1;
    char *text = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: gen-schema PACKAGE_JSON > schema.json\n");
        return 2;
    }
    cJSON *root = gen_read(argv[1]);
    cJSON *resources = root ? gen_section(root, "resources") : NULL;
    cJSON *types = root ? gen_section(root, "types") : NULL;
    cJSON *functions = root ? gen_section(root, "functions") : NULL;
    if (!resources || !types || !functions)
        goto out;
    for (size_t i = 0; registry_at(i); i++) {
        const resource_type *rt = registry_at(i);
        if (!rt->table)
            continue;
        char key[512];
        snprintf(key, sizeof(key), "awsml:%s", rt->token);
        if (cJSON_GetObjectItemCaseSensitive(resources, key)) {
            fprintf(stderr, "gen-schema: %s is both in %s and in a table\n", rt->token, argv[1]);
            goto out;
        }
        if (engine_schema_resource("awsml", rt->token, rt->table, resources, types) != 0) {
            fprintf(stderr, "gen-schema: out of memory describing %s\n", rt->token);
            goto out;
        }
    }
    for (size_t i = 0; function_at(i); i++) {
        const function_type *ft = function_at(i);
        char key[512];
        snprintf(key, sizeof(key), "awsml:%s", ft->token);
        if (cJSON_GetObjectItemCaseSensitive(functions, key)) {
            fprintf(stderr, "gen-schema: %s is both in %s and in a table\n", ft->token, argv[1]);
            goto out;
        }
        if (engine_schema_function("awsml", ft->token, ft->table, functions, types) != 0) {
            fprintf(stderr, "gen-schema: out of memory describing %s\n", ft->token);
            goto out;
        }
    }
    text = cJSON_Print(root);
    if (!text || printf("%s\n", text) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "gen-schema: cannot write the schema\n");
        goto out;
    }
    rc = 0;
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}
