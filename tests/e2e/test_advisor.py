"""The security advisor through the real CLI: the seed's program previews
with exactly its expected warnings, `enforce` stops it with CheckFailures
naming the properties, suppression works, and the secure example previews
with no findings."""
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "examples" / "seed" / "__main__.py").read_text()
SECURE = ROOT / "examples" / "secure-pipeline"


def findings(text):
    return sorted(set(re.findall(r"security advisor \[(AWSML-[A-Z]+-\d+), \w+\] (\S+):", text)))


def advisor_config(**values):
    lines = "".join(f"  aws:{k}:\n    value: {v}\n" for k, v in values.items())
    return "config:\n" + lines


def test_seed_preview_warns_exactly(make_project):
    proj = make_project(SEED, providers=("aws",), name="adv")
    pv = proj.preview()
    assert findings(pv.stdout + pv.stderr) == [
        ("AWSML-IAM-001", "assumeRolePolicy"),
        ("AWSML-IAM-012", "policyArn"),
        ("AWSML-IAM-013", "permissionsBoundary"),
        ("AWSML-SM-006", "pipelineDefinitionS3Location"),
    ], pv
    # Each finding once per resource and run.
    assert (pv.stdout + pv.stderr).count("[AWSML-IAM-001,") == 1, pv


def test_enforce_blocks_with_check_failures(make_project):
    proj = make_project(SEED, providers=("aws",), name="adv-enforce",
                        extra_yaml=advisor_config(securityAdvisor="enforce"))
    pv = proj.preview(check=False)
    out = pv.stdout + pv.stderr
    assert pv.returncode != 0
    # The role's Check fails first, so the plan stops there (the attachment,
    # which needs the role's name, is never checked).
    assert "[AWSML-IAM-001]" in out and "assumeRolePolicy" in out, pv
    assert "[AWSML-IAM-013]" in out and "permissionsBoundary" in out, pv
    assert "security advisor [" not in out, "enforce reports failures, not warnings"


def test_suppressed_rules_are_silent(make_project):
    proj = make_project(SEED, providers=("aws",), name="adv-sup",
                        extra_yaml=advisor_config(
                            securityAdvisorSuppress='["AWSML-IAM-013", "AWSML-SM-006"]'))
    pv = proj.preview()
    assert [f[0] for f in findings(pv.stdout + pv.stderr)] == ["AWSML-IAM-001", "AWSML-IAM-012"], pv
    off = make_project(SEED, providers=("aws",), name="adv-off",
                       extra_yaml=advisor_config(securityAdvisor="off"))
    assert findings(off.preview().stdout) == []
    bad = make_project(SEED, providers=("aws",), name="adv-bad",
                       extra_yaml=advisor_config(securityAdvisorSuppress='["NOPE-1"]'))
    r = bad.preview(check=False)
    assert r.returncode != 0 and "'NOPE-1' is not a rule ID" in r.stdout + r.stderr, r


def test_secure_example_previews_clean(make_project):
    proj = make_project((SECURE / "__main__.py").read_text(), providers=("aws",), name="secure")
    for f in SECURE.iterdir():
        if f.name not in ("__main__.py", "Pulumi.yaml"):
            shutil.copy2(f, proj.dir / f.name)
    pv = proj.preview()
    assert findings(pv.stdout + pv.stderr) == [], pv
    assert "security advisor" not in pv.stdout + pv.stderr, pv
    assert re.search(r"^\s*\+ aws:sagemaker/pipeline:Pipeline: \(create\)$", pv.stdout, re.M), pv
