package eventjobs.testkit;

import eventjobs.local.aws.EmbeddedAws;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import static org.assertj.core.api.Assertions.assertThat;

class LocalAwsTest {

    private final EmbeddedAws aws = LocalAws.shared();

    @Test
    void shared_shouldBeOneEndpointPerJvm() {
        assertThat(LocalAws.shared()).isSameAs(aws);
    }

    @Test
    void reset_shouldDeleteEveryBucketQueueAndTable() {
        try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb(); S3Client s3 = aws.s3()) {
            sqs.createQueue(r -> r.queueName("leftover"));
            new Tables(dynamo).createWithStringKey("Leftover", "id");
            s3.createBucket(r -> r.bucket("leftover"));
            s3.putObject(r -> r.bucket("leftover").key("a/b.txt"), RequestBody.fromString("x"));

            LocalAws.reset(aws);

            assertThat(sqs.listQueues().queueUrls()).isEmpty();
            assertThat(dynamo.listTables().tableNames()).isEmpty();
            assertThat(s3.listBuckets().buckets()).isEmpty();
        }
    }
}
