package eventjobs.local.aws;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Empties an endpoint of queues, tables and buckets through the AWS APIs, so it works on any emulator. */
final class ResourceReset implements Runnable {

    private final EmbeddedAws aws;

    ResourceReset(EmbeddedAws aws) {
        this.aws = aws;
    }

    @Override
    public void run() {
        try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb(); S3Client s3 = aws.s3()) {
            for (var bucket : s3.listBuckets().buckets()) {
                s3.listObjectsV2Paginator(r -> r.bucket(bucket.name())).contents()
                        .forEach(object -> s3.deleteObject(r -> r.bucket(bucket.name()).key(object.key())));
                s3.deleteBucket(r -> r.bucket(bucket.name()));
            }
            sqs.listQueuesPaginator(r -> r.maxResults(1000)).queueUrls()
                    .forEach(url -> sqs.deleteQueue(r -> r.queueUrl(url)));
            dynamo.listTablesPaginator(r -> r.limit(100)).tableNames()
                    .forEach(table -> dynamo.deleteTable(r -> r.tableName(table)));
        }
    }
}
