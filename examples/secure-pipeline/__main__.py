# The seed document's pipeline done right. The seed (examples/seed) attaches
# AmazonSageMakerFullAccess and trusts sagemaker.amazonaws.com from anywhere;
# here:
#   - the trust policy only admits SageMaker acting for this account
#     (aws:SourceAccount and aws:SourceArn: no confused deputy);
#   - the permissions are one inline policy naming the actions and ARNs the
#     pipeline uses (trust-policy.json, execution-policy.json), and a
#     permissions boundary caps whatever is attached later;
#   - the inline pipeline definition (pipeline-definition.json) encrypts
#     volumes and outputs with a customer KMS key, isolates the containers from
#     the network, encrypts traffic between instances and runs in a VPC.
# awsml's security advisor reports nothing for this program.
#
# The documents are JSON files with ${NAME} placeholders filled in below, so
# the advisor's unit tests read exactly what this program deploys.
import json
import os
import string

import pulumi
import pulumi_aws as aws

HERE = os.path.dirname(os.path.abspath(__file__))

config = pulumi.Config()
aws_config = pulumi.Config("aws")

region = aws_config.get("region") or "us-east-1"
partition = "aws-cn" if region.startswith("cn-") else (
    "aws-us-gov" if region.startswith("us-gov-") else "aws")
# No data sources are served by awsml, so the account comes from configuration;
# 123456789012 is moto's account.
account_id = config.get("accountId") or "123456789012"
bucket = config.get("bucket") or "my-model-artifacts-bucket"
role_name = "SecureSageMakerPipelineRole"

values = {
    "ACCOUNT_ID": account_id,
    "PARTITION": partition,
    "REGION": region,
    "BUCKET": bucket,
    "ROLE_NAME": role_name,
    "KMS_KEY_ARN": config.get("kmsKeyArn")
    or f"arn:{partition}:kms:{region}:{account_id}:key/11111111-2222-3333-4444-555555555555",
    "SUBNET_ID": config.get("subnetId") or "subnet-0123456789abcdef0",
    "SECURITY_GROUP_ID": config.get("securityGroupId") or "sg-0123456789abcdef0",
}


def document(name: str) -> str:
    """A JSON file of this folder with its ${NAME} placeholders filled in."""
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        text = string.Template(f.read()).substitute(values)
    json.loads(text)  # fail here, not in AWS, if a substitution broke it
    return text


# The role SageMaker runs the pipeline's jobs as: trusted by SageMaker only when
# it acts for this account, allowed only what the pipeline does, and capped by
# a boundary.
sagemaker_role = aws.iam.Role("SecureSageMakerRole",
    name=role_name,
    description="Execution role of MySecureTrainingPipeline (least privilege)",
    assume_role_policy=document("trust-policy.json"),
    inline_policies=[aws.iam.RoleInlinePolicyArgs(
        name="pipeline-execution",
        policy=document("execution-policy.json"),
    )],
    permissions_boundary=config.get("permissionsBoundaryArn")
    or f"arn:{partition}:iam::{account_id}:policy/MlWorkloadBoundary",
    tags={"purpose": "ml-training"},
)

# The pipeline, defined inline so every step can be checked before it exists.
sagemaker_pipeline = aws.sagemaker.Pipeline("SecureSageMakerPipeline",
    role_arn=sagemaker_role.arn,
    pipeline_name="MySecureTrainingPipeline",
    pipeline_display_name="MySecureTrainingPipeline",
    pipeline_definition=document("pipeline-definition.json"),
    pipeline_description="Training pipeline with KMS, network isolation and a VPC",
)

pulumi.export("sagemaker_role_arn", sagemaker_role.arn)
pulumi.export("sagemaker_pipeline_arn", sagemaker_pipeline.arn)
