"""The package schema (build/schema.json, written by gen-schema from schema/package.json
and the resource tables, embedded in the binary and served by GetSchema): the Pulumi CLI gets it from the binary and accepts it, Pulumi's
codegen validates it against the package metaschema, and it describes exactly
what README.md documents (every config key, every resource property, the
defaults and replacements the provider applies).

Runs inside scripts/with-moto (`make test-integration`): `pulumi` on PATH."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("AWSML_ROOT", Path(__file__).resolve().parents[2]))
BIN = Path(os.environ.get("AWSML_BIN", ROOT / "build" / "test" / "pulumi-resource-awsml"))
BUILD = Path(os.environ.get("AWSML_BUILD", ROOT / "build"))
SCHEMA = json.loads((BUILD / "schema.json").read_text())
README = (ROOT / "README.md").read_text()

ROLE = "awsml:iam/role:Role"
ATTACH = "awsml:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "awsml:sagemaker/pipeline:Pipeline"
BUCKET = "awsml:s3/bucket:Bucket"
ENUM = "awsml:iam/ManagedPolicy:ManagedPolicy"

S, B, I = "string", "boolean", "integer"
CONFIG_TYPES = {
    "region": S, "profile": S, "accessKey": S, "secretKey": S, "token": S,
    "sharedCredentialsFiles": [S], "sharedConfigFiles": [S],
    "allowedAccountIds": [S], "forbiddenAccountIds": [S],
    "assumeRoles": ["AssumeRole"], "assumeRoleWithWebIdentity": "AssumeRoleWithWebIdentity",
    "endpoints": ["Endpoint"], "defaultTags": "DefaultTags", "ignoreTags": "IgnoreTags",
    "stsRegion": S, "useFipsEndpoint": B, "skipCredentialsValidation": B,
    "skipRequestingAccountId": B, "skipMetadataApiCheck": B, "skipRegionValidation": B,
    "maxRetries": I, "retryMode": S, "customCaBundle": S, "insecure": B,
    "securityAdvisor": S, "securityAdvisorSuppress": [S], "securityAdvisorRules": "object",
    "httpProxy": S, "httpsProxy": S, "noProxy": S,
}

# config types (as pulumi-aws names them) -> the provider input type without "Provider"
CONFIG_TYPE_NAMES = {"assumeRoles": "AssumeRole", "assumeRoleWithWebIdentity": "AssumeRoleWithWebIdentity",
                     "endpoints": "Endpoint", "defaultTags": "DefaultTags", "ignoreTags": "IgnoreTags"}


def cli_env():
    env = dict(os.environ)
    env.update(PULUMI_SKIP_UPDATE_CHECK="true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true")
    return env


def pulumi(*args, check=True):
    exe = shutil.which("pulumi")
    assert exe, "no pulumi on PATH: run the suite through scripts/with-moto after `make tools`"
    r = subprocess.run([exe, *args, "--non-interactive", "--color", "never"], env=cli_env(),
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if check:
        assert r.returncode == 0, f"pulumi {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def binaries():
    bins = [BIN]
    release = ROOT / "bin" / "pulumi-resource-awsml"
    if release.is_file() and release.resolve() != BIN.resolve():
        bins.append(release)
    return bins


def kind(spec):
    """'string' / ['string'] / 'TypeName' / ['TypeName'] for a property spec."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit(":", 1)[1]
        return CONFIG_TYPE_NAMES.get(name) or name.replace("Provider", "", 1)
    if spec["type"] == "array":
        return [kind(spec["items"])]
    return spec["type"]


def readme_section(title, until):
    start = README.index(title)
    end = README.index(until, start)
    return README[start:end]


def table_keys(section):
    """Backticked names in the first cell of each table row of a README section."""
    keys = set()
    for line in section.splitlines():
        m = re.match(r"^\|\s*([^|]+?)\s*\|", line)
        if m and "`" in m.group(1):
            keys.update(re.findall(r"`([A-Za-z][A-Za-z0-9]*)[^`]*`", m.group(1)))
    return keys


# ---- served by the binary, accepted by the CLI ----------------------------------------
@pytest.mark.parametrize("binary", binaries(), ids=lambda p: p.parent.name)
def test_get_schema_returns_the_embedded_schema(binary):
    r = pulumi("package", "get-schema", str(binary.resolve()))
    assert json.loads(r.stdout) == SCHEMA


def _tokens(schema):
    refs = re.findall(r'"\$ref": "#/types/([^"]+)"', json.dumps(schema))
    return set(schema["resources"]) | set(schema["types"]) | set(refs)


def test_dropin_name_serves_the_schema_as_package_aws(tmp_path):
    """Started as pulumi-resource-aws, GetSchema is the same schema under the package
    name aws (tokens, references and the Python module renamed), and the CLI binds it."""
    dropin = tmp_path / "pulumi-resource-aws"
    dropin.symlink_to(BIN.resolve())
    served = json.loads(pulumi("package", "get-schema", str(dropin)).stdout)
    assert served["name"] == "aws"
    assert served["language"]["python"]["packageName"] == "pulumi_aws"
    assert served["language"]["nodejs"]["packageName"] == "@pulumi/aws"
    assert served["language"]["go"]["importBasePath"] == "github.com/pulumi/pulumi-aws/sdk/v7/go/aws"
    assert served["language"]["go"]["rootPackageName"] == "aws"
    own = _tokens(SCHEMA)
    assert own and all(t.startswith("awsml:") for t in own)
    assert _tokens(served) == {"aws:" + t[len("awsml:"):] for t in own}
    # Apart from the renames it is the embedded schema.
    back = json.dumps(served).replace('"aws:', '"awsml:').replace("#/types/aws:", "#/types/awsml:")
    back = json.loads(back)
    back["name"], back["language"]["python"]["packageName"] = "awsml", "pulumi_awsml"
    back["language"]["nodejs"]["packageName"] = "@awsml/pulumi"
    back["language"]["go"]["importBasePath"] = "github.com/awsml/awsml/sdk/go/awsml"
    back["language"]["go"]["rootPackageName"] = "awsml"
    assert back == SCHEMA
    r = pulumi("package", "info", str(dropin), "--module", "iam", "--resource", "Role")
    assert "aws:iam/role:Role" in r.stdout and "assumeRolePolicy" in r.stdout, r.stdout


def test_cli_binds_every_resource():
    r = pulumi("package", "info", str(BIN.resolve()))
    assert f"Total resources {len(SCHEMA['resources'])}" in r.stdout, r.stdout
    modules = sorted({t.split(":")[1].split("/")[0]
                      for t in list(SCHEMA["resources"]) + list(SCHEMA.get("functions", {}))})
    assert re.search(rf"Modules: {', '.join(modules)}\b", r.stdout), r.stdout
    for token in SCHEMA["resources"]:
        module, resource = token.split(":")[1].split("/")[0], token.rsplit(":", 1)[1]
        r = pulumi("package", "info", str(BIN.resolve()), "--module", module, "--resource", resource)
        for prop in SCHEMA["resources"][token]["inputProperties"]:
            assert prop in r.stdout, (token, prop, r.stdout)


def test_cli_refuses_a_broken_schema(tmp_path):
    """The check above means something: the same CLI command fails on a bad type."""
    bad = json.loads(json.dumps(SCHEMA))
    bad["resources"][ROLE]["properties"]["arn"]["type"] = "strin"
    (tmp_path / "schema.json").write_text(json.dumps(bad))
    r = pulumi("package", "info", str(tmp_path / "schema.json"), "--module", "iam", "--resource",
               "Role", check=False)
    assert r.returncode != 0 and "strin" in (r.stdout + r.stderr), r


def test_metaschema_validation_and_python_codegen(tmp_path):
    """scripts/gen-sdk.sh: get-schema from the binary, bind it against Pulumi's package
    metaschema (any diagnostic fails), generate pulumi_awsml; the result compiles."""
    r = subprocess.run(["bash", str(ROOT / "scripts" / "gen-sdk.sh"), str(BIN), str(tmp_path),
                        "0.1.0"], capture_output=True, text=True, timeout=600, env=cli_env())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "gen-sdk: python:" in r.stderr and "error" not in r.stderr.lower(), r.stderr
    pkg = tmp_path / "python" / "pulumi_awsml"
    for f in ("iam/role.py", "iam/role_policy_attachment.py", "iam/_enums.py",
              "sagemaker/pipeline.py", "provider.py", "config/vars.py"):
        assert (pkg / f).is_file(), f
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(pkg)], check=True)
    assert 'AMAZON_SAGE_MAKER_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"' \
        in (pkg / "iam" / "_enums.py").read_text()


# ---- what the schema says ------------------------------------------------------------
def test_config_keys_match_the_readme_and_the_provider():
    variables = SCHEMA["config"]["variables"]
    provider = SCHEMA["provider"]["inputProperties"]
    documented = table_keys(readme_section("## Configuration", "**Credentials**"))
    assert set(variables) == documented, set(variables) ^ documented
    assert set(provider) == set(variables)
    for key, want in CONFIG_TYPES.items():
        assert kind(variables[key]) == want, (key, variables[key])
        assert kind(provider[key]) == want, (key, provider[key])
    assert set(CONFIG_TYPES) == set(variables)
    for key in variables:
        assert variables[key].get("description") and provider[key].get("description"), key
        secret = key in ("accessKey", "secretKey", "token")
        assert bool(variables[key].get("secret")) == secret, key
        assert bool(provider[key].get("secret")) == secret, key


def test_config_object_types():
    types = SCHEMA["types"]

    def props(name):
        """The config type's properties (the provider's input type has the same)."""
        config = types[f"awsml:config/{name}:{name}"]
        k = CONFIG_TYPE_NAMES[name]
        assert config["properties"] == types[f"awsml:index/Provider{k}:Provider{k}"]["properties"], name
        return {p: kind(s) for p, s in config["properties"].items()}

    assert props("endpoints") == {"iam": S, "sts": S, "sagemaker": S, "s3": S, "kms": S}
    assert props("defaultTags") == {"tags": "object"}
    assert props("ignoreTags") == {"keys": [S], "keyPrefixes": [S]}
    assert props("assumeRoles") == {
        "roleArn": S, "sessionName": S, "externalId": S, "policy": S, "policyArns": [S],
        "tags": "object", "transitiveTagKeys": [S], "sourceIdentity": S, "duration": S,
        "durationSeconds": I}
    assert props("assumeRoleWithWebIdentity") == {
        "roleArn": S, "sessionName": S, "webIdentityToken": S, "webIdentityTokenFile": S,
        "policy": S, "policyArns": [S], "duration": S}


@pytest.mark.parametrize("token,heading", [
    (ROLE, "### `aws:iam/role:Role`"),
    (PIPE, "### `aws:sagemaker/pipeline:Pipeline`"),
    (BUCKET, "### `aws:s3/bucket:Bucket`"),
    ("awsml:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
     "### `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock`"),
    ("awsml:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
     "### `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`"),
    ("awsml:s3/bucketVersioning:BucketVersioning", "### `aws:s3/bucketVersioning:BucketVersioning`"),
    ("awsml:s3/bucketPolicy:BucketPolicy", "### `aws:s3/bucketPolicy:BucketPolicy`"),
    ("awsml:s3/bucketObjectv2:BucketObjectv2", "### `aws:s3/bucketObjectv2:BucketObjectv2`"),
])
def test_resource_inputs_match_the_readme(token, heading):
    documented = table_keys(readme_section(heading, "Outputs add"))
    assert set(SCHEMA["resources"][token]["inputProperties"]) == documented


def test_the_deprecated_bucket_token_is_the_bucket():
    res = SCHEMA["resources"]
    v2 = res["awsml:s3/bucketV2:BucketV2"]
    assert v2["deprecationMessage"] == "s3.BucketV2 has been deprecated in favor of s3.Bucket"
    assert "deprecationMessage" not in res[BUCKET]
    assert v2["inputProperties"] == res[BUCKET]["inputProperties"]
    assert v2["properties"] == res[BUCKET]["properties"]


def test_the_older_object_token_is_the_object_without_checksums():
    res = SCHEMA["resources"]
    v1 = res["awsml:s3/bucketObject:BucketObject"]
    v2 = res["awsml:s3/bucketObjectv2:BucketObjectv2"]
    assert set(v2["inputProperties"]) - set(v1["inputProperties"]) == {
        "checksumAlgorithm", "overrideProvider"}
    assert set(v2["properties"]) - set(v1["properties"]) == {
        "checksumAlgorithm", "overrideProvider", "checksumCrc32", "checksumCrc32c",
        "checksumCrc64nvme", "checksumSha1", "checksumSha256"}
    assert v2["inputProperties"]["source"]["$ref"] == "pulumi.json#/Asset"
    assert v2["requiredInputs"] == ["bucket"]
    assert {k for k, p in v2["properties"].items() if p.get("replaceOnChanges")} == {
        "bucket", "key", "region"}


def test_every_served_type_has_a_readme_section():
    """The schema's resources come from the registry (gen-schema over every table): each
    one, and nothing else, has its section under README's Resources."""
    documented = set(re.findall(r"^### `aws:([^`]+)`",
                                readme_section("## Resources", "## Functions (data sources)"), re.M))
    assert documented == {t[len("awsml:"):] for t in SCHEMA["resources"]}


def test_every_served_function_has_a_readme_section():
    """The schema's functions come from the function registry: each one, and nothing else,
    has its section under README's Functions (data sources)."""
    documented = set(re.findall(r"^### `aws:([^`]+)`",
                                readme_section("## Functions (data sources)", "## Security"), re.M))
    assert documented == {t[len("awsml:"):] for t in SCHEMA["functions"]}


def test_resources():
    res = SCHEMA["resources"]
    assert {ROLE, ATTACH, PIPE} <= set(res)
    for token, r in res.items():
        assert r.get("description"), token
        assert set(r["inputProperties"]) <= set(r["properties"]), token
        assert set(r["required"]) <= set(r["properties"]), token
        assert set(r.get("requiredInputs", [])) <= set(r["inputProperties"]), token
        for name, p in {**r["inputProperties"], **r["properties"]}.items():
            assert p.get("description"), (token, name)
        replaced = {k for k, p in r["properties"].items() if p.get("replaceOnChanges")}
        want = {ROLE: {"name", "namePrefix", "path"}, ATTACH: {"role", "policyArn"},
                PIPE: {"pipelineName", "region"}}.get(token)
        assert want is None or replaced == want, token

    role = res[ROLE]
    assert role["requiredInputs"] == ["assumeRolePolicy"]
    assert {"arn", "uniqueId", "createDate", "tagsAll"} <= set(role["properties"]) - set(role["inputProperties"])
    defaults = {k: p["default"] for k, p in role["inputProperties"].items() if "default" in p}
    assert defaults == {"path": "/", "maxSessionDuration": 3600, "forceDetachPolicies": False}
    assert role["inputProperties"]["inlinePolicies"]["items"]["$ref"] == \
        "#/types/awsml:iam/RoleInlinePolicy:RoleInlinePolicy"
    assert kind(role["inputProperties"]["managedPolicyArns"]) == [S]
    assert kind(role["inputProperties"]["maxSessionDuration"]) == I

    assert sorted(res[ATTACH]["requiredInputs"]) == ["policyArn", "role"]

    pipe = res[PIPE]
    assert pipe["requiredInputs"] == ["pipelineName"]  # pipelineDisplayName defaults to it
    assert "pipelineDisplayName" in pipe["required"]
    assert {"arn", "tagsAll"} <= set(pipe["properties"]) - set(pipe["inputProperties"])
    assert pipe["inputProperties"]["pipelineDefinitionS3Location"]["$ref"].endswith(
        "PipelinePipelineDefinitionS3Location:PipelinePipelineDefinitionS3Location")
    s3 = SCHEMA["types"]["awsml:sagemaker/PipelinePipelineDefinitionS3Location:PipelinePipelineDefinitionS3Location"]
    assert set(s3["properties"]) == {"bucket", "objectKey", "versionId"}
    assert sorted(s3["required"]) == ["bucket", "objectKey"]
    par = SCHEMA["types"]["awsml:sagemaker/PipelineParallelismConfiguration:PipelineParallelismConfiguration"]
    assert kind(par["properties"]["maxParallelExecutionSteps"]) == I


def test_managed_policy_enum():
    enum = SCHEMA["types"][ENUM]
    assert enum["type"] == "string"
    values = {e["name"]: e["value"] for e in enum["enum"]}
    assert len(values) >= 30
    assert values["AmazonSageMakerFullAccess"] == "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    for name, arn in values.items():
        assert re.fullmatch(r"arn:aws:iam::aws:policy/([\w-]+/)?[\w+=,.@-]+", arn), arn
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name


def test_python_language_settings():
    py = SCHEMA["language"]["python"]
    assert py["packageName"] == "pulumi_awsml"
    assert py["respectSchemaVersion"] is True
    assert py["requires"]["pulumi"].startswith(">=3")
    assert SCHEMA["meta"]["moduleFormat"] == "(.*)(?:/[^/]*)"  # awsml:iam/role:Role -> pulumi_awsml.iam
    assert "version" not in SCHEMA  # set at SDK generation (make sdk VERSION=...)


def test_nodejs_and_go_language_settings():
    node, go = SCHEMA["language"]["nodejs"], SCHEMA["language"]["go"]
    assert node["packageName"] == "@awsml/pulumi" and node["respectSchemaVersion"] is True
    assert node["dependencies"]["@pulumi/pulumi"].startswith("^3.")
    assert go["importBasePath"] == "github.com/awsml/awsml/sdk/go/awsml"
    assert go["rootPackageName"] == "awsml" and go["respectSchemaVersion"] is True
