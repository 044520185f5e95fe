// examples/secure-pipeline/__main__.py in TypeScript: the same resources, names,
// documents and outputs (read that file for why each piece is there). awsml's
// security advisor reports nothing for this program.
//
// Settings (pulumi config set NAME VALUE): subnetId and securityGroupId, the VPC
// the pipeline's jobs run in (required: awsml makes no EC2 resources).
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const NAME = "awsml-secure-pipeline";
const ROLE_NAME = "SecureSageMakerPipelineRole";
const PIPELINE_NAME = "MySecureTrainingPipeline";
const DEFINITION_KEY = "pipelines/MySecureTrainingPipeline.json";

export = async () => {
    const config = new pulumi.Config();

    // Read at preview time too, so every name and ARN below is known in the plan.
    const accountId = (await aws.getCallerIdentity()).accountId;
    const partition = (await aws.getPartition()).partition;
    const region = (await aws.getRegion()).region;

    // One bucket per account and region: bucket names are global.
    const bucketName = `${NAME}-${accountId}-${region}`;
    const aliasName = `alias/${NAME}`;

    const values: Record<string, string> = {
        ACCOUNT_ID: accountId,
        PARTITION: partition,
        REGION: region,
        BUCKET: bucketName,
        ROLE_NAME: ROLE_NAME,
        SUBNET_ID: config.require("subnetId"),
        SECURITY_GROUP_ID: config.require("securityGroupId"),
    };

    // A JSON file of this folder with its ${NAME} placeholders filled in.
    function document(name: string, more: Record<string, string> = {}): string {
        const all: Record<string, string> = { ...values, ...more };
        const text = fs.readFileSync(path.join(__dirname, name), "utf-8")
            .replace(/\$\{([A-Z_]+)\}/g, (_m: string, key: string) => {
                if (!(key in all)) {
                    throw new Error(`${name}: no value for \${${key}}`);
                }
                return all[key];
            });
        JSON.parse(text); // fail here, not in AWS, if a substitution broke it
        return text;
    }

    // ---- the key ----------------------------------------------------------------
    const key = new aws.kms.Key("PipelineKey", {
        description: "Encrypts the training pipeline's artifacts, volumes and outputs",
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "AccountAdministersTheKey",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            }],
        }),
        tags: { purpose: "ml-training" },
    });
    const alias = new aws.kms.Alias("PipelineKeyAlias", { name: aliasName, targetKeyId: key.keyId });

    // ---- the bucket -------------------------------------------------------------
    const bucket = new aws.s3.Bucket("ArtifactsBucket", {
        bucket: bucketName,
        forceDestroy: true,
        tags: { purpose: "ml-training" },
    });
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock("ArtifactsBucketPublicAccessBlock", {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration("ArtifactsBucketEncryption", {
        bucket: bucket.id,
        rules: [{
            applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: key.arn,
            },
            bucketKeyEnabled: true,
        }],
    });
    const versioning = new aws.s3.BucketVersioning("ArtifactsBucketVersioning", {
        bucket: bucket.id,
        versioningConfiguration: { status: "Enabled" },
    });

    // The definition names the key by its alias ARN, known before the key exists.
    const definition = document("pipeline-definition.json",
        { KMS_KEY_ARN: `arn:${partition}:kms:${region}:${accountId}:${aliasName}` });
    const definitionObject = new aws.s3.BucketObjectv2("PipelineDefinitionObject", {
        bucket: bucket.id,
        key: DEFINITION_KEY,
        content: definition,
        contentType: "application/json",
        serverSideEncryption: "aws:kms",
        kmsKeyId: key.arn,
        bucketKeyEnabled: true,
    }, { dependsOn: [publicAccessBlock, encryption, versioning] });

    // TLS only. Created after the object (moto refuses object calls under a policy
    // with Principal "*" and a Condition; destroy deletes it before the object).
    const bucketArn = `arn:${partition}:s3:::${bucketName}`;
    const tlsOnly = await aws.iam.getPolicyDocument({
        statements: [{
            sid: "DenyInsecureTransport",
            effect: "Deny",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:*"],
            resources: [bucketArn, `${bucketArn}/*`],
            conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        }],
    });
    new aws.s3.BucketPolicy("ArtifactsBucketTlsOnly", {
        bucket: bucket.id,
        policy: tlsOnly.json,
    }, { dependsOn: [definitionObject] });

    // ---- the role ---------------------------------------------------------------
    // What any role of this workload may ever do, whatever is attached to it later:
    // the services training uses, each on this account's resources only (a
    // boundary with "service:*" on "*" would itself be a wildcard policy).
    const boundary = new aws.iam.Policy("MlWorkloadBoundary", {
        name: "MlWorkloadBoundary",
        description: "Permissions boundary of the ML training workload's roles",
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "OnlyTheArtifactsBucket",
                    Effect: "Allow",
                    Action: "s3:*",
                    Resource: [bucketArn, `${bucketArn}/*`],
                },
                {
                    Sid: "OnlyThisAccountsKeysJobsAndLogs",
                    Effect: "Allow",
                    Action: ["kms:*", "sagemaker:*", "logs:*"],
                    Resource: [
                        `arn:${partition}:kms:${region}:${accountId}:key/*`,
                        `arn:${partition}:sagemaker:${region}:${accountId}:*`,
                        `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/sagemaker/*`,
                    ],
                },
                {
                    Sid: "AlgorithmImages",
                    Effect: "Allow",
                    Action: "ecr:*",
                    Resource: `arn:${partition}:ecr:${region}:*:repository/*`,
                },
                {
                    Sid: "JobsInTheVpc",
                    Effect: "Allow",
                    Action: "ec2:*",
                    Resource: `arn:${partition}:ec2:${region}:${accountId}:*`,
                },
                {
                    Sid: "CallsWithoutResourceLevelPermissions",
                    Effect: "Allow",
                    Action: ["ecr:GetAuthorizationToken", "ec2:Describe*"],
                    Resource: "*",
                },
                {
                    Sid: "NoIamExceptPassingTheExecutionRole",
                    Effect: "Allow",
                    Action: "iam:PassRole",
                    Resource: `arn:${partition}:iam::${accountId}:role/${ROLE_NAME}`,
                },
            ],
        }),
    });

    const sagemakerRole = new aws.iam.Role("SecureSageMakerRole", {
        name: ROLE_NAME,
        description: `Execution role of ${PIPELINE_NAME} (least privilege)`,
        assumeRolePolicy: document("trust-policy.json"),
        permissionsBoundary: boundary.arn,
        tags: { purpose: "ml-training" },
    });

    const executionPolicy = new aws.iam.Policy("PipelineExecutionPolicy", {
        name: "SecureSageMakerPipelineExecution",
        description: `What ${PIPELINE_NAME}'s jobs do, on the ARNs they use`,
        policy: key.arn.apply(arn => document("execution-policy.json", { KMS_KEY_ARN: arn })),
    });
    const executionAttachment = new aws.iam.RolePolicyAttachment("PipelineExecutionPolicyAttachment", {
        role: sagemakerRole.name,
        policyArn: executionPolicy.arn,
    });

    // ---- the pipeline -----------------------------------------------------------
    const sagemakerPipeline = new aws.sagemaker.Pipeline("SecureSageMakerPipeline", {
        roleArn: sagemakerRole.arn,
        pipelineName: PIPELINE_NAME,
        pipelineDisplayName: PIPELINE_NAME,
        pipelineDefinition: definition,
        pipelineDescription: "Training pipeline with KMS, network isolation and a VPC",
    }, { dependsOn: [executionAttachment, alias, definitionObject] });

    return {
        kms_key_arn: key.arn,
        kms_alias: alias.name,
        bucket: bucket.id,
        pipeline_definition_object: pulumi.interpolate`s3://${bucket.id}/${definitionObject.key}`,
        sagemaker_role_arn: sagemakerRole.arn,
        sagemaker_pipeline_arn: sagemakerPipeline.arn,
    };
};
