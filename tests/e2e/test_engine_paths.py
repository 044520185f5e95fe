"""What the plugin tells the engine reaches the user through the real CLI:
log messages on the resource, secrets kept secret in state, and a resource
that was created but failed half way recorded instead of lost.

Uses the test build's awsml:test/probe:Probe (mode "log" logs an info line
and a status line; mode "initFail" returns ErrorResourceInitFailed with id
probe-partial) and awsml:test/echo:Echo."""

PROBE = "awsml:test/probe:Probe"
ECHO = "awsml:test/echo:Echo"


def test_log_messages_reach_the_user(make_project):
    proj = make_project("""
        import pulumi
        pulumi.CustomResource("awsml:test/probe:Probe", "talker", {"mode": "log"})
    """)
    up = proj.up()
    assert "probe says hello" in up.stdout, up
    proj.destroy()


def test_secret_inputs_stay_secret_in_state(make_project):
    proj = make_project("""
        import pulumi
        e = pulumi.CustomResource("awsml:test/echo:Echo", "s1",
                                  {"password": pulumi.Output.secret("hunter2"), "createdBy": None})
        pulumi.export("createdBy", e.createdBy)
    """)
    proj.up()
    import json
    state = json.loads(proj.pulumi("stack", "export").stdout)  # without --show-secrets
    res = [r for r in state["deployment"]["resources"] if r["urn"] == proj.urn(ECHO, "s1")][0]
    pw = res["outputs"]["password"]
    assert isinstance(pw, dict) and pw.get("4dabf18193072939515e22adb298388d") == \
        "1b47061264138c4ac30d75fd1eb44270", pw
    assert "hunter2" not in str(state), "a secret appeared in plain text in the state"
    proj.destroy()


def test_half_created_resource_is_recorded_with_its_id(make_project):
    proj = make_project("""
        import pulumi
        pulumi.CustomResource("awsml:test/probe:Probe", "half", {"mode": "initFail"})
    """)
    up = proj.up(check=False)
    assert up.returncode != 0, up
    assert "failed to finish setting up" in up.stdout + up.stderr, up
    res = proj.resource(PROBE, "half")
    assert res["id"] == "probe-partial"
    assert res["outputs"]["mode"] == "initFail"
    proj.destroy()
    assert proj.resources(PROBE) == []
