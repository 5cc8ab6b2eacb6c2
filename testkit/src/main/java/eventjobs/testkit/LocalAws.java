package eventjobs.testkit;

import eventjobs.local.aws.EmbeddedAws;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;

/**
 * The AWS endpoint the tests of one JVM share: the embedded one (ElasticMQ, S3Proxy, moto behind
 * one port), started on first use and stopped when the JVM exits, or the endpoint
 * {@code AWS_ENDPOINT_URL} names. Thread-safe.
 */
public final class LocalAws {

    private static EmbeddedAws shared;

    private LocalAws() {}

    /** The endpoint of this JVM's tests. */
    public static synchronized EmbeddedAws shared() {
        if (shared == null) {
            String external = System.getenv("AWS_ENDPOINT_URL");
            shared = external == null || external.isBlank() ? EmbeddedAws.start(0) : EmbeddedAws.external(URI.create(external));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "local-aws-stop"));
        }
        return shared;
    }

    /**
     * Deletes every bucket (with its objects), queue, table and secret of {@code aws} through the
     * AWS APIs, so the next test starts from nothing on any emulator.
     */
    public static void reset(EmbeddedAws aws) {
        try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb(); S3Client s3 = aws.s3();
             SecretsManagerClient secrets = aws.secretsManager()) {
            for (var bucket : s3.listBuckets().buckets()) {
                s3.listObjectsV2Paginator(r -> r.bucket(bucket.name())).contents()
                        .forEach(object -> s3.deleteObject(r -> r.bucket(bucket.name()).key(object.key())));
                s3.deleteBucket(r -> r.bucket(bucket.name()));
            }
            sqs.listQueuesPaginator(r -> r.maxResults(1000)).queueUrls()
                    .forEach(url -> sqs.deleteQueue(r -> r.queueUrl(url)));
            dynamo.listTablesPaginator(r -> r.limit(100)).tableNames()
                    .forEach(table -> dynamo.deleteTable(r -> r.tableName(table)));
            secrets.listSecretsPaginator(r -> r.maxResults(100)).stream().flatMap(page -> page.secretList().stream())
                    .forEach(secret -> secrets.deleteSecret(r -> r.secretId(secret.arn()).forceDeleteWithoutRecovery(true)));
        }
    }
}
