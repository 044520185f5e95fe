// The seed document's program (examples/seed/__main__.py) in Go with the pulumi-aws
// Go SDK (sdk/v6: the newest the Go module proxy serves; the resource tokens are the
// same as 7.x): same resources, same names, same values. Like the Python example it
// also sets PipelineDisplayName, which pulumi-aws requires.
package main

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sagemaker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// Create an IAM role for SageMaker to access AWS resources.
		sagemakerRole, err := iam.NewRole(ctx, "SageMakerRole", &iam.RoleArgs{
			AssumeRolePolicy: pulumi.String(`{
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }
        ]
    }`),
		})
		if err != nil {
			return err
		}

		// Attach the necessary policies to the role.
		_, err = iam.NewRolePolicyAttachment(ctx, "SageMakerPolicyAttachment", &iam.RolePolicyAttachmentArgs{
			Role:      sagemakerRole.Name,
			PolicyArn: pulumi.String(iam.ManagedPolicyAmazonSageMakerFullAccess),
		})
		if err != nil {
			return err
		}

		// Define a SageMaker Pipeline.
		sagemakerPipeline, err := sagemaker.NewPipeline(ctx, "SageMakerPipeline", &sagemaker.PipelineArgs{
			RoleArn:             sagemakerRole.Arn,
			PipelineName:        pulumi.String("MyModelTrainingPipeline"),
			PipelineDisplayName: pulumi.String("MyModelTrainingPipeline"),
			PipelineDefinitionS3Location: &sagemaker.PipelinePipelineDefinitionS3LocationArgs{
				Bucket:    pulumi.String("my-model-artifacts-bucket"),
				ObjectKey: pulumi.String("my-pipeline-definition.json"),
			},
			PipelineDescription: pulumi.String("Pipeline for training and deploying ML model"),
		})
		if err != nil {
			return err
		}

		// Export the SageMaker Pipeline ARN
		ctx.Export("sagemaker_pipeline_arn", sagemakerPipeline.Arn)
		return nil
	})
}
