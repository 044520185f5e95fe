/* aws-call: one AWS call through awsml's client, for tests and for poking at
 * an endpoint by hand (test build only, never installed).
 *
 *   aws-call [-v N] CONFIG_JSON query SERVICE ACTION VERSION [KEY=VALUE...]
 *   aws-call [-v N] CONFIG_JSON json  SERVICE TARGET BODY_JSON
 *   aws-call [-v N] CONFIG_JSON s3get|s3head BUCKET KEY [VERSION_ID]
 *   aws-call [-v N] CONFIG_JSON validate
 *
 * CONFIG_JSON is the provider configuration as the engine would send it
 * (loaded as Configure loads it, without the advisor's rule IDs).
 * SERVICE is iam, sts, sagemaker or s3. The response body goes to stdout; an
 * error goes to stderr as "aws-call: <gRPC code>: <message>" with exit 1. */
#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "config.h"
#include "util/log.h"

static int service_of(const char *s)
{
    for (int i = 0; i < ENDPOINTS_N_SERVICES; i++)
        if (strcmp(endpoints_service_name((enum endpoints_service)i), s) == 0)
            return i;
    return -1;
}

static pv *config_from_json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    pv *cfg = pv_object();
    if (!j || !cJSON_IsObject(j) || !cfg)
        goto fail;
    for (const cJSON *it = j->child; it; it = it->next) {
        pv *v;
        if (cJSON_IsString(it))
            v = pv_string(it->valuestring);
        else if (cJSON_IsBool(it))
            v = pv_bool(cJSON_IsTrue(it));
        else if (cJSON_IsNumber(it))
            v = pv_number(it->valuedouble);
        else {
            /* Lists and objects arrive JSON-encoded, as from a provider resource. */
            char *s = cJSON_PrintUnformatted(it);
            v = s ? pv_string(s) : NULL;
            free(s);
        }
        if (pv_object_set(cfg, it->string, v) != 0)
            goto fail;
    }
    cJSON_Delete(j);
    return cfg;
fail:
    cJSON_Delete(j);
    pv_free(cfg);
    return NULL;
}

static void print_xml(const xml_node *n, int depth)
{
    printf("%*s<%s>", depth * 2, "", n->name);
    if (n->n_children == 0) {
        printf("%s</%s>\n", n->text, n->name);
        return;
    }
    printf("\n");
    for (size_t i = 0; i < n->n_children; i++)
        print_xml(n->children[i], depth + 1);
    printf("%*s</%s>\n", depth * 2, "", n->name);
}

int main(int argc, char **argv)
{
    int i = 1, rc = 1;
    if (i + 1 < argc && strcmp(argv[i], "-v") == 0) {
        log_set_verbosity((int)strtol(argv[i + 1], NULL, 10));
        i += 2;
    }
    if (argc - i < 2) {
        fprintf(stderr,
                "usage: aws-call [-v N] CONFIG_JSON query|json|s3get|s3head|validate ...\n");
        return 2;
    }
    err e = {0};
    config_settings *conf = NULL;
    config_problems problems = {0};
    aws_client *c = NULL;
    xml_node *root = NULL;
    char *body = NULL;
    pv *cfg = config_from_json(argv[i]);
    const char *mode = argv[i + 1];
    char **rest = argv + i + 2;
    int nrest = argc - i - 2;
    aws_cancel none = {0};
    if (!cfg) {
        fprintf(stderr, "aws-call: CONFIG_JSON is not a JSON object\n");
        return 2;
    }
    if (config_load(cfg, NULL, CONFIG_CONFIGURE, &conf, &problems, &e) != 0 ||
        config_client_new(conf, &problems, &c, &e) != 0)
        goto out;
    if (strcmp(mode, "validate") == 0) {
        if (aws_client_validate(c, none, &e) != 0)
            goto out;
        printf("account %s region %s partition %s\n", aws_client_account_id(c),
               aws_client_region(c), aws_client_partition(c));
    } else if (strcmp(mode, "query") == 0 && nrest >= 3 && service_of(rest[0]) >= 0) {
        query q;
        if (query_init(&q, rest[1], rest[2]) != 0)
            goto out;
        for (int k = 3; k < nrest; k++) {
            char *eq = strchr(rest[k], '=');
            if (!eq) {
                fprintf(stderr, "aws-call: parameter '%s' is not KEY=VALUE\n", rest[k]);
                query_free(&q);
                rc = 2;
                goto out;
            }
            *eq = '\0';
            query_add(&q, rest[k], eq + 1);
        }
        int r = aws_query(c, (enum endpoints_service)service_of(rest[0]), rest[1], &q, true, none,
                          &root, &e);
        query_free(&q);
        if (r != 0)
            goto out;
        print_xml(root, 0);
    } else if (strcmp(mode, "json") == 0 && nrest == 3 && service_of(rest[0]) >= 0) {
        if (aws_json(c, (enum endpoints_service)service_of(rest[0]), rest[1], rest[2], true, none,
                     &body, NULL, &e) != 0)
            goto out;
        printf("%s\n", body);
    } else if ((strcmp(mode, "s3get") == 0 || strcmp(mode, "s3head") == 0) &&
               (nrest == 2 || nrest == 3)) {
        size_t len = 0;
        bool head = strcmp(mode, "s3head") == 0;
        if (s3_get_object(c, rest[0], rest[1], nrest == 3 ? rest[2] : NULL, head, none,
                          head ? NULL : &body, &len, &e) != 0)
            goto out;
        if (head)
            printf("exists\n");
        else
            fwrite(body, 1, len, stdout);
    } else {
        fprintf(stderr, "aws-call: bad arguments for mode '%s'\n", mode);
        rc = 2;
        goto out;
    }
    rc = 0;
out:
    if (rc == 1)
        fprintf(stderr, "aws-call: %d: %s\n", e.code, e.msg);
    xml_free(root);
    free(body);
    aws_client_free(c);
    config_free(conf);
    config_problems_free(&problems);
    pv_free(cfg);
    return rc;
}
