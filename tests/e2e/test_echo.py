"""The plugin boots under the real Pulumi CLI and Python language host and takes a
resource through preview, up, update, refresh and destroy.

It uses the test build's resource awsml:test/echo:Echo: Check returns the news,
Create gives id echo-<name> and outputs = inputs + createdBy "awsml" (unknown in a
preview), Diff reports changed top-level keys (replaceKey forces a replace),
Read echoes the properties."""

import re

ECHO = "awsml:test/echo:Echo"

PROGRAM = """
import pulumi

e1 = pulumi.CustomResource("{token}", "e1", {{"value": "{value}", "createdBy": None}})
pulumi.export("value", e1.value)
pulumi.export("createdBy", e1.createdBy)
pulumi.export("id", e1.id)
"""


def program(value, token=ECHO):
    return PROGRAM.format(token=token, value=value)


def test_preview_up_update_destroy(make_project):
    proj = make_project(program("hello"))
    urn = proj.urn(ECHO, "e1")

    # preview: the plan is one create of the echo resource with its input.
    pv = proj.preview()
    out = pv.stdout
    assert re.search(r"^\s*\+ awsml:test/echo:Echo: \(create\)$", out, re.M), pv
    assert f"[urn={urn}]" in out, pv
    assert re.search(r'^\s*value\s*: "hello"$', out, re.M), pv
    assert re.search(r"^\s*\+ 2 to create$", out, re.M), pv  # the stack and e1
    assert proj.resources(ECHO) == [], "preview must not change the state"

    # up: created, with the plugin's outputs.
    proj.up()
    outs = proj.outputs()
    assert outs["createdBy"] == "awsml"
    assert outs["value"] == "hello"
    assert outs["id"] == "echo-e1"
    st = proj.resource(ECHO, "e1")
    assert st["id"] == "echo-e1"
    assert st["inputs"]["value"] == "hello"
    assert st["outputs"]["createdBy"] == "awsml"
    assert st["provider"].startswith(proj.urn_prefix + "pulumi:providers:awsml::")

    # No change: no diff.
    proj.preview("--expect-no-changes")

    # Changed input: an in-place update.
    proj.set_program(program("world"))
    pv = proj.preview()
    assert re.search(r"^\s*~ awsml:test/echo:Echo: \(update\)$", pv.stdout, re.M), pv
    assert re.search(r'^\s*~ value\s*: "hello" => "world"$', pv.stdout, re.M), pv
    assert re.search(r"^\s*~ 1 to update$", pv.stdout, re.M), pv
    proj.up()
    assert proj.outputs()["value"] == "world"
    assert proj.resource(ECHO, "e1")["id"] == "echo-e1"

    # refresh: Read echoes what is there, so nothing drifts.
    proj.refresh()
    proj.preview("--expect-no-changes")
    assert proj.resource(ECHO, "e1")["outputs"]["value"] == "world"

    # destroy: gone from the state.
    proj.destroy()
    assert proj.resources(ECHO) == []
    assert proj.outputs() == {}


def test_replace_key_forces_replacement(make_project):
    proj = make_project("""
        import pulumi
        e = pulumi.CustomResource("awsml:test/echo:Echo", "r1",
                                  {"value": "v", "replaceKey": "a", "createdBy": None})
        pulumi.export("replaceKey", e.replaceKey)
    """)
    proj.up()
    assert proj.outputs()["replaceKey"] == "a"
    proj.set_program("""
        import pulumi
        e = pulumi.CustomResource("awsml:test/echo:Echo", "r1",
                                  {"value": "v", "replaceKey": "b", "createdBy": None})
        pulumi.export("replaceKey", e.replaceKey)
    """)
    pv = proj.preview()
    assert re.search(r"^\s*\+-awsml:test/echo:Echo: \(replace\)$", pv.stdout, re.M), pv
    assert re.search(r"^\s*\+-1 to replace$", pv.stdout, re.M), pv
    proj.up()
    assert proj.outputs()["replaceKey"] == "b"
    proj.destroy()


def test_drop_in_aws_package_next_to_pulumi_aws_sdk(make_project):
    """As `aws`, the same binary stands in for pulumi-aws: a program that imports
    pulumi_aws (whose SDK asks for plugin aws 7.x) gets our plugin through
    Pulumi.yaml's plugins.providers, with no plugin download."""
    proj = make_project("""
        import pulumi
        import pulumi_aws  # noqa: F401  (makes the language host report plugin aws 7.x)
        e = pulumi.CustomResource("aws:test/echo:Echo", "e2", {"value": "drop-in", "createdBy": None})
        pulumi.export("createdBy", e.createdBy)
    """, providers=("aws",))
    pv = proj.preview()
    assert re.search(r"^\s*\+ aws:test/echo:Echo: \(create\)$", pv.stdout, re.M), pv
    proj.up()
    assert proj.outputs()["createdBy"] == "awsml"
    st = proj.resource("aws:test/echo:Echo", "e2")
    assert st["provider"].startswith(proj.urn_prefix + "pulumi:providers:aws::")
    proj.destroy()


def test_import_reads_an_existing_resource(make_project):
    """`pulumi import TYPE NAME ID` goes through the plugin's Read with only an id."""
    proj = make_project("""
        import pulumi
    """)
    proj.up()
    # The echo resource is test-only, so it has no schema to generate code from.
    r = proj.import_(ECHO, "imp", "echo-imp", generate_code=False)
    assert re.search(r"^\s*= 1 imported$", r.stdout, re.M), r
    st = proj.resource(ECHO, "imp")
    assert st["id"] == "echo-imp"
    assert not st.get("protect")
    proj.destroy()
    assert proj.resources(ECHO) == []
