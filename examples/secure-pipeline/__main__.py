# The seed document's pipeline done right, built from an empty account. The
# seed (examples/seed) attaches AmazonSageMakerFullAccess, trusts
# sagemaker.amazonaws.com from anywhere and points at a bucket nobody made;
# here everything the pipeline uses is made and locked down first:
#   - the account, partition and region come from the provider
#     (get_caller_identity, get_partition, get_region), so no ARN is typed in;
#   - a customer managed KMS key (rotation on, a key policy giving the account
#     root its administration) with an alias;
#   - the artifacts bucket: SSE-KMS with that key by default, every public
#     access block on, versioning, and a policy refusing any request not made
#     over TLS (aws:SecureTransport false);
#   - the pipeline definition (pipeline-definition.json) kept in the bucket as
#     a KMS-encrypted object, and passed inline to the pipeline so the
#     security advisor checks its steps at preview time (an S3 location it
#     cannot read: AWSML-SM-006). Its steps encrypt volumes and outputs with
#     the key, isolate the containers from the network, encrypt traffic
#     between instances and run in a VPC;
#   - the execution role: trusted by SageMaker only when it acts for this
#     account (aws:SourceAccount, aws:SourceArn), allowed only what the
#     pipeline does (a customer managed policy, execution-policy.json, attached
#     with a RolePolicyAttachment), and capped by a permissions boundary that
#     is another customer managed policy of this program.
# awsml's security advisor reports nothing for this program.
#
# Settings (pulumi config set NAME VALUE): subnetId and securityGroupId, the
# VPC the pipeline's jobs run in (required: awsml makes no EC2 resources;
# `make demo` takes them from the default VPC of moto's account).
#
# The documents are JSON files with ${NAME} placeholders filled in below, so
# the advisor's unit tests read exactly what this program deploys.
import json
import os
import string

import pulumi
import pulumi_aws as aws

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "awsml-secure-pipeline"
ROLE_NAME = "SecureSageMakerPipelineRole"
PIPELINE_NAME = "MySecureTrainingPipeline"
DEFINITION_KEY = "pipelines/MySecureTrainingPipeline.json"

config = pulumi.Config()

# Read at preview time too, so every name and ARN below is known in the plan.
identity = aws.get_caller_identity()
partition = aws.get_partition().partition
region = aws.get_region().region
account_id = identity.account_id

# One bucket per account and region: bucket names are global.
bucket_name = f"{NAME}-{account_id}-{region}"
alias_name = f"alias/{NAME}"

values = {
    "ACCOUNT_ID": account_id,
    "PARTITION": partition,
    "REGION": region,
    "BUCKET": bucket_name,
    "ROLE_NAME": ROLE_NAME,
    "SUBNET_ID": config.require("subnetId"),
    "SECURITY_GROUP_ID": config.require("securityGroupId"),
}


def document(name: str, **more: str) -> str:
    """A JSON file of this folder with its ${NAME} placeholders filled in."""
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        text = string.Template(f.read()).substitute(values, **more)
    json.loads(text)  # fail here, not in AWS, if a substitution broke it
    return text


# ---- the key ----------------------------------------------------------------------

key = aws.kms.Key("PipelineKey",
    description="Encrypts the training pipeline's artifacts, volumes and outputs",
    enable_key_rotation=True,
    deletion_window_in_days=7,
    policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }],
    }),
    tags={"purpose": "ml-training"},
)
alias = aws.kms.Alias("PipelineKeyAlias", name=alias_name, target_key_id=key.key_id)

# ---- the bucket -------------------------------------------------------------------

bucket = aws.s3.Bucket("ArtifactsBucket",
    bucket=bucket_name,
    force_destroy=True,
    tags={"purpose": "ml-training"},
)
public_access_block = aws.s3.BucketPublicAccessBlock("ArtifactsBucketPublicAccessBlock",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
encryption = aws.s3.BucketServerSideEncryptionConfiguration("ArtifactsBucketEncryption",
    bucket=bucket.id,
    rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=aws.s3.
        BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms",
            kms_master_key_id=key.arn,
        ),
        bucket_key_enabled=True,
    )],
)
versioning = aws.s3.BucketVersioning("ArtifactsBucketVersioning",
    bucket=bucket.id,
    versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
)

# The definition the pipeline runs, kept with its artifacts. Its KMS parameter
# names the key by its alias ARN, known before the key exists, so the whole
# definition is known at preview time.
definition = document("pipeline-definition.json",
                      KMS_KEY_ARN=f"arn:{partition}:kms:{region}:{account_id}:{alias_name}")
definition_object = aws.s3.BucketObjectv2("PipelineDefinitionObject",
    bucket=bucket.id,
    key=DEFINITION_KEY,
    content=definition,
    content_type="application/json",
    server_side_encryption="aws:kms",
    kms_key_id=key.arn,
    bucket_key_enabled=True,
    opts=pulumi.ResourceOptions(depends_on=[public_access_block, encryption, versioning]),
)

# TLS only. Created after the object: moto refuses object calls under a policy
# with Principal "*" and a Condition, and destroy deletes it before the object.
bucket_arn = f"arn:{partition}:s3:::{bucket_name}"
tls_only = aws.iam.get_policy_document(statements=[
    aws.iam.GetPolicyDocumentStatementArgs(
        sid="DenyInsecureTransport",
        effect="Deny",
        principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])],
        actions=["s3:*"],
        resources=[bucket_arn, f"{bucket_arn}/*"],
        conditions=[aws.iam.GetPolicyDocumentStatementConditionArgs(
            test="Bool", variable="aws:SecureTransport", values=["false"])],
    ),
])
bucket_policy = aws.s3.BucketPolicy("ArtifactsBucketTlsOnly",
    bucket=bucket.id,
    policy=tls_only.json,
    opts=pulumi.ResourceOptions(depends_on=[definition_object]),
)

# ---- the role ---------------------------------------------------------------------

# What any role of this workload may ever do, whatever is attached to it later:
# the services training uses, each on this account's resources only (a
# boundary with "service:*" on "*" would itself be a wildcard policy).
boundary = aws.iam.Policy("MlWorkloadBoundary",
    name="MlWorkloadBoundary",
    description="Permissions boundary of the ML training workload's roles",
    policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyTheArtifactsBucket",
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
            },
            {
                "Sid": "OnlyThisAccountsKeysJobsAndLogs",
                "Effect": "Allow",
                "Action": ["kms:*", "sagemaker:*", "logs:*"],
                "Resource": [
                    f"arn:{partition}:kms:{region}:{account_id}:key/*",
                    f"arn:{partition}:sagemaker:{region}:{account_id}:*",
                    f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws/sagemaker/*",
                ],
            },
            {
                "Sid": "AlgorithmImages",
                "Effect": "Allow",
                "Action": "ecr:*",
                "Resource": f"arn:{partition}:ecr:{region}:*:repository/*",
            },
            {
                "Sid": "JobsInTheVpc",
                "Effect": "Allow",
                "Action": "ec2:*",
                "Resource": f"arn:{partition}:ec2:{region}:{account_id}:*",
            },
            {
                "Sid": "CallsWithoutResourceLevelPermissions",
                "Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken", "ec2:Describe*"],
                "Resource": "*",
            },
            {
                "Sid": "NoIamExceptPassingTheExecutionRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:{partition}:iam::{account_id}:role/{ROLE_NAME}",
            },
        ],
    }),
)

sagemaker_role = aws.iam.Role("SecureSageMakerRole",
    name=ROLE_NAME,
    description=f"Execution role of {PIPELINE_NAME} (least privilege)",
    assume_role_policy=document("trust-policy.json"),
    permissions_boundary=boundary.arn,
    tags={"purpose": "ml-training"},
)

execution_policy = aws.iam.Policy("PipelineExecutionPolicy",
    name="SecureSageMakerPipelineExecution",
    description=f"What {PIPELINE_NAME}'s jobs do, on the ARNs they use",
    policy=key.arn.apply(lambda arn: document("execution-policy.json", KMS_KEY_ARN=arn)),
)
execution_attachment = aws.iam.RolePolicyAttachment("PipelineExecutionPolicyAttachment",
    role=sagemaker_role.name,
    policy_arn=execution_policy.arn,
)

# ---- the pipeline -----------------------------------------------------------------

sagemaker_pipeline = aws.sagemaker.Pipeline("SecureSageMakerPipeline",
    role_arn=sagemaker_role.arn,
    pipeline_name=PIPELINE_NAME,
    pipeline_display_name=PIPELINE_NAME,
    pipeline_definition=definition,
    pipeline_description="Training pipeline with KMS, network isolation and a VPC",
    opts=pulumi.ResourceOptions(depends_on=[execution_attachment, alias, definition_object]),
)

pulumi.export("kms_key_arn", key.arn)
pulumi.export("kms_alias", alias.name)
pulumi.export("bucket", bucket.id)
pulumi.export("pipeline_definition_object", pulumi.Output.concat("s3://", bucket.id, "/",
                                                                 definition_object.key))
pulumi.export("sagemaker_role_arn", sagemaker_role.arn)
pulumi.export("sagemaker_pipeline_arn", sagemaker_pipeline.arn)
