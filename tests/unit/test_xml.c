/* Unit tests for provider/aws/xml.c: real-shaped IAM and STS responses (with
 * their default namespace), path look-ups, entities and CDATA, and the
 * refusals: malformed and truncated documents, nesting beyond the limit,
 * DOCTYPE and entity declarations (billion laughs, external entities). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/xml.h"
#include "util/buf.h"

static const char get_role_xml[] =
    "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <GetRoleResult>\n"
    "    <Role>\n"
    "      <Path>/</Path>\n"
    "      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D"
    "</AssumeRolePolicyDocument>\n"
    "      <MaxSessionDuration>3600</MaxSessionDuration>\n"
    "      <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>\n"
    "      <RoleLastUsed/>\n"
    "      <RoleName>test-role</RoleName>\n"
    "      <Arn>arn:aws:iam::123456789012:role/test-role</Arn>\n"
    "      <CreateDate>2019-11-20T17:09:20Z</CreateDate>\n"
    "      <Tags>\n"
    "        <member><Key>team</Key><Value>ml</Value></member>\n"
    "        <member><Key>env</Key><Value>dev</Value></member>\n"
    "      </Tags>\n"
    "    </Role>\n"
    "  </GetRoleResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</GetRoleResponse>\n";

static xml_node *parse_ok(const char *doc)
{
    xml_node *root = NULL;
    err e = {0};
    int rc = xml_parse(doc, strlen(doc), &root, &e);
    if (rc != 0)
        print_error("unexpected failure: %s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_non_null(root);
    return root;
}

/* Parses doc expecting failure; the message must contain want. */
static void parse_fails(const char *doc, size_t len, const char *want)
{
    xml_node *root = (xml_node *)1;
    err e = {0};
    assert_int_equal(xml_parse(doc, len, &root, &e), -1);
    assert_null(root);
    assert_int_not_equal(e.code, ERR_OK);
    if (!strstr(e.msg, want))
        print_error("message \"%s\" lacks \"%s\"\n", e.msg, want);
    assert_non_null(strstr(e.msg, want));
}

static void test_get_role(void **state)
{
    (void)state;
    xml_node *root = parse_ok(get_role_xml);
    assert_string_equal(root->name, "GetRoleResponse");
    assert_string_equal(xml_path_text(root, "GetRoleResult/Role/Arn"),
                        "arn:aws:iam::123456789012:role/test-role");
    assert_string_equal(xml_path_text(root, "GetRoleResult/Role/RoleName"), "test-role");
    /* The policy document stays exactly as sent: decoding it is not the reader's job. */
    assert_string_equal(xml_path_text(root, "GetRoleResult/Role/AssumeRolePolicyDocument"),
                        "%7B%22Version%22%3A%222012-10-17%22%7D");
    assert_string_equal(xml_path_text(root, "ResponseMetadata/RequestId"),
                        "df37e965-9967-11e1-a4c3-270EXAMPLE04");
    /* An empty element has "" as text, a missing one NULL. */
    assert_string_equal(xml_path_text(root, "GetRoleResult/Role/RoleLastUsed"), "");
    assert_null(xml_path_text(root, "GetRoleResult/Role/Description"));
    assert_null(xml_path_text(root, "GetRoleResult/Nope/Arn"));
    assert_null(xml_path(NULL, "a"));

    const xml_node *tags = xml_path(root, "GetRoleResult/Role/Tags");
    assert_non_null(tags);
    assert_int_equal(tags->n_children, 2);
    assert_string_equal(xml_path_text(tags->children[1], "Key"), "env");
    assert_string_equal(xml_path_text(tags->children[1], "Value"), "dev");
    const xml_node *role = xml_path(root, "/GetRoleResult//Role/");
    assert_non_null(role);
    assert_ptr_equal(xml_child(role, "Tags"), tags);
    assert_ptr_equal(xml_path(root, ""), root);
    xml_free(root);
}

static void test_list_attached(void **state)
{
    (void)state;
    static const char doc[] =
        "<ListAttachedRolePoliciesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
        "<ListAttachedRolePoliciesResult>"
        "<AttachedPolicies>"
        "<member><PolicyName>AmazonSageMakerFullAccess</PolicyName>"
        "<PolicyArn>arn:aws:iam::aws:policy/AmazonSageMakerFullAccess</PolicyArn></member>"
        "<member><PolicyName>ReadOnly</PolicyName>"
        "<PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member>"
        "<member><PolicyName>Mine</PolicyName>"
        "<PolicyArn>arn:aws:iam::123456789012:policy/Mine</PolicyArn></member>"
        "</AttachedPolicies>"
        "<IsTruncated>true</IsTruncated><Marker>AAAA&amp;BBBB</Marker>"
        "</ListAttachedRolePoliciesResult>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</ListAttachedRolePoliciesResponse>";
    xml_node *root = parse_ok(doc);
    const xml_node *list = xml_path(root, "ListAttachedRolePoliciesResult/AttachedPolicies");
    assert_non_null(list);
    assert_int_equal(list->n_children, 3);
    for (size_t i = 0; i < list->n_children; i++)
        assert_string_equal(list->children[i]->name, "member");
    assert_string_equal(xml_path_text(list->children[2], "PolicyArn"),
                        "arn:aws:iam::123456789012:policy/Mine");
    assert_string_equal(xml_path_text(root, "ListAttachedRolePoliciesResult/IsTruncated"), "true");
    assert_string_equal(xml_path_text(root, "ListAttachedRolePoliciesResult/Marker"), "AAAA&BBBB");
    xml_free(root);
}

static void test_caller_identity_prefixed(void **state)
{
    (void)state;
    /* A prefixed namespace reduces to local names just like the default one. */
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<sts:GetCallerIdentityResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<sts:GetCallerIdentityResult>"
        "<sts:Arn>arn:aws:iam::123456789012:user/Alice</sts:Arn>"
        "<sts:UserId>AIDACKCEVSQ6C2EXAMPLE</sts:UserId>"
        "<sts:Account>123456789012</sts:Account>"
        "</sts:GetCallerIdentityResult>"
        "<!-- a comment --><?pi ignored?>"
        "<sts:ResponseMetadata><sts:RequestId>01234567-89ab</sts:RequestId>"
        "</sts:ResponseMetadata>"
        "</sts:GetCallerIdentityResponse>";
    xml_node *root = parse_ok(doc);
    assert_string_equal(root->name, "GetCallerIdentityResponse");
    assert_string_equal(xml_path_text(root, "GetCallerIdentityResult/Account"), "123456789012");
    assert_string_equal(xml_path_text(root, "GetCallerIdentityResult/Arn"),
                        "arn:aws:iam::123456789012:user/Alice");
    assert_string_equal(xml_path_text(root, "ResponseMetadata/RequestId"), "01234567-89ab");
    xml_free(root);
}

static void test_entities_and_cdata(void **state)
{
    (void)state;
    static const char doc[] = "<a><b>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;"
                              "</b><c><![CDATA[<raw> & stuff]]></c><d>caf\xc3\xa9</d>"
                              "<e>one<inner/>two</e></a>";
    xml_node *root = parse_ok(doc);
    assert_string_equal(xml_path_text(root, "b"), "x & y <z> \"q\" 's' AB");
    assert_string_equal(xml_path_text(root, "c"), "<raw> & stuff");
    assert_int_equal(xml_path(root, "c")->text_len, strlen("<raw> & stuff"));
    assert_string_equal(xml_path_text(root, "d"), "caf\xc3\xa9");
    /* Mixed content: the text around a child is concatenated. */
    assert_string_equal(xml_path_text(root, "e"), "onetwo");
    xml_free(root);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char trunc[] = "<GetRoleResponse><GetRoleResult><Role><Arn>arn:aws";
    parse_fails(trunc, strlen(trunc), "line 1");
    parse_fails("<a><b></a>", 10, "mismatched tag");
    parse_fails("<a>&bogus;</a>", 14, "undefined entity");
    parse_fails("<a></a><b></b>", 14, "junk after document element");
    parse_fails("not xml at all", 14, "syntax error");
    parse_fails("", 0, "empty");
    parse_fails("<a>\n<b>\n</c>", 12, "line 3");
    /* Truncation at every byte of a valid document fails cleanly. */
    for (size_t n = 1; n < strlen(get_role_xml) - 1; n += 7) {
        xml_node *root = NULL;
        err e = {0};
        assert_int_equal(xml_parse(get_role_xml, n, &root, &e), -1);
        assert_null(root);
    }
    /* An embedded NUL is not XML. */
    static const char nul[] = "<a>x\0y</a>";
    parse_fails(nul, sizeof(nul) - 1, "line 1");
}

static void test_too_deep(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 0);
    for (int i = 0; i < XML_MAX_DEPTH; i++)
        assert_int_equal(buf_append_str(&b, "<a>"), 0);
    for (int i = 0; i < XML_MAX_DEPTH; i++)
        assert_int_equal(buf_append_str(&b, "</a>"), 0);
    xml_node *root = parse_ok(b.data); /* exactly the limit is fine */
    xml_free(root);

    buf_reset(&b);
    for (int i = 0; i < XML_MAX_DEPTH + 1; i++)
        assert_int_equal(buf_append_str(&b, "<a>"), 0);
    for (int i = 0; i < XML_MAX_DEPTH + 1; i++)
        assert_int_equal(buf_append_str(&b, "</a>"), 0);
    parse_fails(b.data, b.len, "deeper than the limit");
    /* An unterminated deep document must not leak the open levels' text. */
    buf_reset(&b);
    for (int i = 0; i < XML_MAX_DEPTH + 10; i++)
        assert_int_equal(buf_append_str(&b, "<a>text"), 0);
    parse_fails(b.data, b.len, "deeper than the limit");
    buf_free(&b);
}

static void test_too_many_nodes(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, "<r>"), 0);
    for (int i = 0; i < XML_MAX_NODES; i++)
        assert_int_equal(buf_append_str(&b, "<m/>"), 0);
    assert_int_equal(buf_append_str(&b, "</r>"), 0);
    parse_fails(b.data, b.len, "more elements than the limit");
    buf_free(&b);
}

static void test_big_text(void **state)
{
    (void)state;
    /* Text over the per-element limit (1 MiB) is refused; just under is fine. */
    buf b;
    buf_init(&b, 0);
    size_t big = (size_t)1024 * 1024;
    assert_int_equal(buf_append_str(&b, "<a>"), 0);
    for (size_t i = 0; i < big; i++)
        assert_int_equal(buf_append_byte(&b, 'x'), 0);
    assert_int_equal(buf_append_str(&b, "</a>"), 0);
    xml_node *root = parse_ok(b.data);
    assert_int_equal(root->text_len, big);
    xml_free(root);

    buf_reset(&b);
    assert_int_equal(buf_append_str(&b, "<a>"), 0);
    for (size_t i = 0; i < big + 1; i++)
        assert_int_equal(buf_append_byte(&b, 'x'), 0);
    assert_int_equal(buf_append_str(&b, "</a>"), 0);
    parse_fails(b.data, b.len, "text larger than the limit");
    buf_free(&b);
}

static void test_doctype_refused(void **state)
{
    (void)state;
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE lolz [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        "]>\n"
        "<lolz>&lol3;</lolz>";
    parse_fails(laughs, strlen(laughs), "document type declarations are refused");
    static const char xxe[] = "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
    parse_fails(xxe, strlen(xxe), "refused");
    static const char ext[] = "<!DOCTYPE a SYSTEM \"http://example.com/a.dtd\"><a/>";
    parse_fails(ext, strlen(ext), "line 1");
}

static void test_free_null(void **state)
{
    (void)state;
    xml_free(NULL);
    assert_null(xml_child(NULL, "a"));
    assert_null(xml_path_text(NULL, "a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_role),
        cmocka_unit_test(test_list_attached),
        cmocka_unit_test(test_caller_identity_prefixed),
        cmocka_unit_test(test_entities_and_cdata),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_too_many_nodes),
        cmocka_unit_test(test_big_text),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
