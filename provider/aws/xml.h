/* xml: the small XML reader for IAM and STS responses (query protocol), on
 * expat. It builds a bounded element tree (names without namespace, text
 * content, children in order) and answers path look-ups; attributes are not
 * kept. Depth, element count and text size are capped so a hostile or broken
 * response is an error, never a crash. */
#ifndef AWSML_AWS_XML_H
#define AWSML_AWS_XML_H

#include <stddef.h>

#include "util/err.h"

#define XML_MAX_DEPTH 64
#define XML_MAX_NODES 200000

typedef struct xml_node {
    char *name; /* local name, namespace prefix removed */
    char *text; /* concatenated character data of this element ("" if none) */
    size_t text_len;
    struct xml_node **children;
    size_t n_children, cap;
} xml_node;

int xml_parse(const char *data, size_t len, xml_node **root, err *e);
void xml_free(xml_node *n);

/* The first child element with this name, or NULL. */
const xml_node *xml_child(const xml_node *n, const char *name);
/* Follows a '/'-separated path of child names from n ("GetRoleResult/Role/Arn");
 * NULL when any step is missing. */
const xml_node *xml_path(const xml_node *n, const char *path);
/* The text at a path, or NULL. */
const char *xml_path_text(const xml_node *n, const char *path);

#endif
