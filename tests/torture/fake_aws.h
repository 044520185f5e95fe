/* fake_aws: a canned, stateless AWS on loopback for the torture's HTTP
 * operations (IAM and STS query XML, SageMaker JSON 1.1, S3 objects and the bucket family's REST
 * calls). It runs in
 * a child process forked before anything else, so none of its memory is
 * counted (its counters never start), with a thread per connection. Every answer is fixed by the
 * action alone, so every run of an operation sees the same bytes. */
#ifndef AWSML_TESTS_FAKE_AWS_H
#define AWSML_TESTS_FAKE_AWS_H

#include <sys/types.h>

typedef struct fake_aws {
    pid_t pid;
    int port;
    int ctl; /* closing it stops the server */
} fake_aws;

int fake_aws_start(fake_aws *s);
void fake_aws_stop(fake_aws *s);

#endif
