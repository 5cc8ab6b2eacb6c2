package eventjobs.core.aws;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsClient;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AwsClientsTest {

    private static final Map<String, String> CLOUD = Map.of("AWS_REGION", "us-east-1",
            "AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b");

    private static String endpoint(SdkClient client) {
        return client.serviceClientConfiguration().endpointOverride().map(Object::toString).orElse("AWS");
    }

    @Test
    void emptyDeclaredEndpoint_shouldLeaveClientsOnAws_asInTheCloud() {
        Map<String, String> env = new java.util.HashMap<>(CLOUD);
        env.put(AwsClients.ENDPOINT_VARIABLE, "");
        AwsClients aws = new AwsClients(env);

        try (SqsClient sqs = aws.sqs(); var dynamo = aws.dynamoDb(); var s3 = aws.s3()) {
            assertThat(endpoint(sqs)).isEqualTo("AWS");
            assertThat(endpoint(dynamo)).isEqualTo("AWS");
            assertThat(endpoint(s3)).isEqualTo("AWS");
            assertThat(aws.endpointOverridden("S3")).as("path-style S3").isFalse();
        }
    }

    @Test
    void declaredEndpoint_shouldPointEveryClientThere_withPathStyleS3() {
        Map<String, String> env = new java.util.HashMap<>(CLOUD);
        env.put(AwsClients.ENDPOINT_VARIABLE, "http://localstack:4566");
        AwsClients aws = new AwsClients(env);

        try (SqsClient sqs = aws.sqs(); var s3 = aws.s3(); var lambda = aws.lambda()) {
            assertThat(endpoint(sqs)).isEqualTo("http://localstack:4566");
            assertThat(endpoint(lambda)).isEqualTo("http://localstack:4566");
            assertThat(aws.endpointOverridden("S3")).as("path-style S3").isTrue();
        }
    }

    @Test
    void refreshCredentials_shouldMakeEveryClientLookThemUpAgain_afterASnapStartRestore() {
        AtomicInteger lookups = new AtomicInteger();
        AwsClients aws = new AwsClients(CLOUD, () -> StaticCredentialsProvider.create(
                AwsBasicCredentials.create("key-" + lookups.incrementAndGet(), "secret")));

        try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb()) {
            assertThat(accessKey(sqs)).isEqualTo("key-1");
            assertThat(accessKey(dynamo)).isEqualTo("key-1");

            aws.refreshCredentials();

            assertThat(accessKey(sqs)).isEqualTo("key-2");
            assertThat(accessKey(dynamo)).as("one provider for every client").isEqualTo("key-2");
        }
    }

    private static String accessKey(AwsClient client) {
        return client.serviceClientConfiguration().credentialsProvider().resolveIdentity().join().accessKeyId();
    }
}
