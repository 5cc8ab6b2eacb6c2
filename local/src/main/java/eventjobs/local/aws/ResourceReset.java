package eventjobs.local.aws;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Empties an endpoint of queues and tables through the AWS APIs, so it works on any emulator. */
final class ResourceReset implements Runnable {

    private final EmbeddedAws aws;

    ResourceReset(EmbeddedAws aws) {
        this.aws = aws;
    }

    @Override
    public void run() {
        try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb()) {
            sqs.listQueuesPaginator(r -> r.maxResults(1000)).queueUrls()
                    .forEach(url -> sqs.deleteQueue(r -> r.queueUrl(url)));
            dynamo.listTablesPaginator(r -> r.limit(100)).tableNames()
                    .forEach(table -> dynamo.deleteTable(r -> r.tableName(table)));
        }
    }
}
