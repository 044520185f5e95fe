"""State <-> moto consistency for the e2e fault and interruption tests.

assert_consistent(project, prefix="flt-") lists, straight from moto (boto3 against
MOTO_ENDPOINT, never through a fault proxy), every IAM role whose name starts with
prefix, the managed policies attached to those roles, and every SageMaker pipeline
whose name starts with prefix, and compares them with `pulumi stack export`:

- every such role, attachment and pipeline in moto is in the state with the same ID
  (an attachment also counts when the role's own managedPolicyArns holds it): nothing
  was created and then lost (orphaned);
- every such resource in the state exists in moto: nothing in the state is a ghost;
- the deployment has no pending_operations left.

IDs: a role is its name, an attachment "<role>/<policy arn>", a pipeline its name.
The moto bootstrap user's things are never roles or pipelines, and anything whose
name does not start with prefix (other tests, other projects) is ignored on both
sides. Both the pulumi-aws (`aws:`) and the awsml (`awsml:`) tokens are read.
Returns a summary {"roles": [...], "attachments": [...], "pipelines": [...]} of what
was found, sorted, for further assertions.
"""
import os

import boto3

KINDS = {
    "iam/role:Role": "roles",
    "iam/rolePolicyAttachment:RolePolicyAttachment": "attachments",
    "sagemaker/pipeline:Pipeline": "pipelines",
}


def _kind(type_token):
    pkg, _, rest = (type_token or "").partition(":")
    return KINDS.get(rest) if pkg in ("aws", "awsml") else None


def moto_clients():
    ep = os.environ["MOTO_ENDPOINT"]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return (boto3.client("iam", endpoint_url=ep, region_name=region),
            boto3.client("sagemaker", endpoint_url=ep, region_name=region))


def moto_inventory(prefix):
    """{"roles": {name: arn}, "attachments": {id: None}, "pipelines": {name: arn}} in moto."""
    iam, sm = moto_clients()
    roles, attachments, pipelines = {}, {}, {}
    for page in iam.get_paginator("list_roles").paginate():
        for r in page["Roles"]:
            if r["RoleName"].startswith(prefix):
                roles[r["RoleName"]] = r["Arn"]
    for name in roles:
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for a in page["AttachedPolicies"]:
                attachments[f"{name}/{a['PolicyArn']}"] = None
    token = None
    while True:
        kw = {"NextToken": token} if token else {}
        resp = sm.list_pipelines(PipelineNamePrefix=prefix, MaxResults=100, **kw)
        for p in resp["PipelineSummaries"]:
            if p["PipelineName"].startswith(prefix):
                pipelines[p["PipelineName"]] = p["PipelineArn"]
        token = resp.get("NextToken")
        if not token:
            break
    return {"roles": roles, "attachments": attachments, "pipelines": pipelines}


def state_inventory(deployment, prefix):
    """The same shape from a `pulumi stack export` deployment, plus the attachments the
    roles own through managedPolicyArns, and what is odd about the entries."""
    inv = {"roles": {}, "attachments": {}, "pipelines": {}}
    owned = set()
    problems = []
    for r in deployment.get("resources") or []:
        kind = _kind(r.get("type"))
        if kind is None or not r.get("custom", True):
            continue
        rid = r.get("id") or ""
        if not rid.startswith(prefix):
            continue
        if rid in inv[kind]:
            problems.append(f"{kind[:-1]} {rid} is in the state twice ({r.get('urn')})")
        out = r.get("outputs") or {}
        inv[kind][rid] = out.get("arn") if kind != "attachments" else None
        if kind == "roles":
            for arn in out.get("managedPolicyArns") or []:
                if isinstance(arn, str):
                    owned.add(f"{rid}/{arn}")
    return inv, owned, problems


def assert_consistent(project, prefix="flt-"):
    """Asserts that moto and the project's Pulumi state agree (see the module docstring)."""
    assert prefix, "a name prefix is required, so other tests' resources are left out"
    deployment = project.export().get("deployment") or {}
    state, owned, problems = state_inventory(deployment, prefix)
    moto = moto_inventory(prefix)

    pending = deployment.get("pending_operations") or []
    if pending:
        problems.append("pending operations left in the state: " + ", ".join(
            f"{p.get('type')} {p.get('resource', {}).get('urn')}" for p in pending))
    for kind in ("roles", "attachments", "pipelines"):
        for rid in sorted(moto[kind]):
            if rid in state[kind] or (kind == "attachments" and rid in owned):
                continue
            problems.append(f"orphaned: {kind[:-1]} {rid} exists in moto but not in the state")
        for rid in sorted(state[kind]):
            if rid not in moto[kind]:
                problems.append(f"lost: {kind[:-1]} {rid} is in the state but not in moto")
            elif kind != "attachments" and state[kind][rid] and state[kind][rid] != moto[kind][rid]:
                problems.append(f"{kind[:-1]} {rid}: state arn {state[kind][rid]} != moto's "
                                f"{moto[kind][rid]}")
    assert not problems, "state and moto disagree:\n  " + "\n  ".join(problems)
    return {k: sorted(moto[k]) for k in moto}
