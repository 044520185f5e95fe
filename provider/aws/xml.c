/* xml: a bounded element tree on expat (see xml.h). Only what the query
 * protocol needs survives the parse: local element names, their character
 * data and the order of children. Everything a response never legitimately
 * contains (document type declarations, entity declarations) stops the parse,
 * which is the billion-laughs and external-entity defence: with no DTD there
 * is nothing to expand. */
#include "aws/xml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "util/buf.h"
#include "util/str.h"

/* AWS text values are small (policy documents are at most a few KiB); 1 MiB
 * per element leaves room for the largest while stopping runaway text. */
#define XML_MAX_TEXT ((size_t)1024 * 1024)
/* Separator expat puts between namespace URI and local name; the local name
 * is what follows the last one (names cannot contain it). */
#define XML_NS_SEP '|'

/* One open element: the node and the text gathered so far. Text of a parent
 * keeps growing across its children, so each level owns its buffer. */
typedef struct xml_frame {
    xml_node *node;
    buf text;
} xml_frame;

typedef struct xml_state {
    XML_Parser parser;
    xml_node *root;
    xml_frame stack[XML_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    size_t total_text; /* bounded by the input length: nothing can expand */
    size_t input_len;
    int failed;
    char why[160]; /* the rule a handler stopped the parse for */
} xml_state;

static void xml_fail(xml_state *st, const char *why)
{
    if (st->failed)
        return;
    st->failed = 1;
    str_copy(st->why, sizeof(st->why), why);
    XML_StopParser(st->parser, XML_FALSE);
}

static const char *local_name(const char *name)
{
    const char *sep = strrchr(name, XML_NS_SEP);
    if (sep)
        return sep + 1;
    /* Without namespace processing of a prefix (cannot happen with the NS
     * parser, but cheap to be sure) the local part follows the colon. */
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

static int node_add_child(xml_node *parent, xml_node *child)
{
    if (parent->n_children == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        xml_node **c = realloc(parent->children, cap * sizeof(*c));
        if (!c)
            return -1;
        parent->children = c;
        parent->cap = cap;
    }
    parent->children[parent->n_children++] = child;
    return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xml_state *st = ud;
    (void)atts;
    if (st->failed)
        return;
    if (st->depth >= XML_MAX_DEPTH) {
        xml_fail(st, "elements nested deeper than the limit");
        return;
    }
    if (st->nodes >= XML_MAX_NODES) {
        xml_fail(st, "more elements than the limit");
        return;
    }
    xml_node *n = calloc(1, sizeof(*n));
    if (!n) {
        xml_fail(st, "out of memory");
        return;
    }
    n->name = str_dup(local_name(name));
    if (!n->name) {
        free(n);
        xml_fail(st, "out of memory");
        return;
    }
    /* Attach before anything else can fail so xml_free(root) owns it. */
    if (st->depth == 0) {
        st->root = n;
    } else if (node_add_child(st->stack[st->depth - 1].node, n) != 0) {
        xml_free(n);
        xml_fail(st, "out of memory");
        return;
    }
    st->nodes++;
    xml_frame *f = &st->stack[st->depth++];
    f->node = n;
    buf_init(&f->text, XML_MAX_TEXT);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    xml_state *st = ud;
    (void)name;
    if (st->failed || st->depth == 0)
        return;
    xml_frame *f = &st->stack[st->depth - 1];
    size_t len = 0;
    char *text = buf_take(&f->text, &len);
    if (!text) {
        xml_fail(st, "out of memory");
        return;
    }
    f->node->text = text;
    f->node->text_len = len;
    st->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xml_state *st = ud;
    if (st->failed || st->depth == 0 || len <= 0)
        return;
    size_t n = (size_t)len;
    if (n > st->input_len - st->total_text) {
        xml_fail(st, "more text than the document holds");
        return;
    }
    st->total_text += n;
    xml_frame *f = &st->stack[st->depth - 1];
    if (f->text.len + n > XML_MAX_TEXT) {
        xml_fail(st, "element text larger than the limit");
        return;
    }
    if (buf_append(&f->text, s, n) != 0)
        xml_fail(st, "out of memory");
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    xml_fail(ud, "document type declarations are refused");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    xml_fail(ud, "entity declarations are refused");
}

int xml_parse(const char *data, size_t len, xml_node **root, err *e)
{
    int rc = -1;
    xml_state st;
    memset(&st, 0, sizeof(st));
    if (root)
        *root = NULL;
    if (!root || (!data && len)) {
        err_set(e, ERR_INTERNAL, "xml: invalid arguments");
        goto out;
    }
    if (len == 0) {
        err_set(e, ERR_INTERNAL, "xml: empty document");
        goto out;
    }
    if (len > INT_MAX) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "xml: document of %zu bytes is too large", len);
        goto out;
    }
    st.input_len = len;
    st.parser = XML_ParserCreateNS(NULL, XML_NS_SEP);
    if (!st.parser) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "xml: out of memory");
        goto out;
    }
    XML_SetUserData(st.parser, &st);
    XML_SetElementHandler(st.parser, on_start, on_end);
    XML_SetCharacterDataHandler(st.parser, on_text);
    XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
    XML_SetEntityDeclHandler(st.parser, on_entity_decl);
    /* Never fetch anything external, even if a DTD slipped past. */
    XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef XML_DTD
    /* Belt and braces behind the DOCTYPE refusal. */
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(st.parser, 10.0f);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(st.parser, 64 * 1024);
#endif

    if (XML_Parse(st.parser, data, (int)len, XML_TRUE) != XML_STATUS_OK || st.failed) {
        unsigned long line = (unsigned long)XML_GetCurrentLineNumber(st.parser);
        unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(st.parser);
        const char *why = st.failed ? st.why : XML_ErrorString(XML_GetErrorCode(st.parser));
        /* A document AWS should never send: the fault is on the wire, not in
         * the user's input, so not INVALID_ARGUMENT. */
        bool oom = st.failed ? strstr(st.why, "memory") != NULL
                             : XML_GetErrorCode(st.parser) == XML_ERROR_NO_MEMORY;
        int code = oom ? ERR_RESOURCE_EXHAUSTED : ERR_INTERNAL;
        err_set(e, code, "xml: line %lu, column %lu: %s", line, col, why ? why : "parse error");
        goto out;
    }
    if (!st.root || st.depth != 0) {
        err_set(e, ERR_INTERNAL, "xml: no complete root element");
        goto out;
    }
    *root = st.root;
    st.root = NULL;
    rc = 0;
out:
    /* Frames still open after a failure hold their text buffers. */
    for (size_t i = 0; i < st.depth; i++)
        buf_free(&st.stack[i].text);
    xml_free(st.root);
    if (st.parser)
        XML_ParserFree(st.parser);
    return rc;
}

void xml_free(xml_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_children; i++)
        xml_free(n->children[i]);
    free(n->children);
    free(n->name);
    free(n->text);
    free(n);
}

const xml_node *xml_child(const xml_node *n, const char *name)
{
    if (!n || !name)
        return NULL;
    for (size_t i = 0; i < n->n_children; i++)
        if (strcmp(n->children[i]->name, name) == 0)
            return n->children[i];
    return NULL;
}

/* xml_child for a name given as pointer + length (a path segment). */
static const xml_node *child_n(const xml_node *n, const char *name, size_t len)
{
    for (size_t i = 0; i < n->n_children; i++) {
        const char *c = n->children[i]->name;
        if (strncmp(c, name, len) == 0 && c[len] == '\0')
            return n->children[i];
    }
    return NULL;
}

const xml_node *xml_path(const xml_node *n, const char *path)
{
    if (!n || !path)
        return NULL;
    const char *p = path;
    while (n && *p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len) /* "a//b" and a leading '/' are read as "a/b" */
            n = child_n(n, p, len);
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

const char *xml_path_text(const xml_node *n, const char *path)
{
    const xml_node *t = xml_path(n, path);
    return t ? (t->text ? t->text : "") : NULL;
}
