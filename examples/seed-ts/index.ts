// The seed document's program (examples/seed/__main__.py) in TypeScript: same
// resources, same names, same values. Like the Python example it also sets
// pipelineDisplayName, which @pulumi/aws requires.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

// Create an IAM role for SageMaker to access AWS resources.
const sagemakerRole = new aws.iam.Role("SageMakerRole", {
    assumeRolePolicy: `{
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }
        ]
    }`,
});

// Attach the necessary policies to the role.
const sagemakerPolicyAttachment = new aws.iam.RolePolicyAttachment("SageMakerPolicyAttachment", {
    role: sagemakerRole.name,
    policyArn: aws.iam.ManagedPolicy.AmazonSageMakerFullAccess,
});

// Define a SageMaker Pipeline.
const sagemakerPipeline = new aws.sagemaker.Pipeline("SageMakerPipeline", {
    roleArn: sagemakerRole.arn,
    pipelineName: "MyModelTrainingPipeline",
    pipelineDisplayName: "MyModelTrainingPipeline",
    pipelineDefinitionS3Location: {
        bucket: "my-model-artifacts-bucket",
        objectKey: "my-pipeline-definition.json",
    },
    pipelineDescription: "Pipeline for training and deploying ML model",
});

// Export the SageMaker Pipeline ARN
export const sagemaker_pipeline_arn = sagemakerPipeline.arn;
