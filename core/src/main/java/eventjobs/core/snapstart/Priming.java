package eventjobs.core.snapstart;

import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.CloudEvent;
import eventjobs.core.events.EventCodec;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.warmup.http.CannedResponseHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * SnapStart priming: what a function warms before Lambda takes its snapshot, so that a restored
 * environment does not pay for first-call class loading and interpretation on its first event.
 * A handler's constructor says what to warm, {@code this.priming = Priming.register(aws, steps)},
 * and keeps the result in a field: the CRaC context holds resources weakly.
 *
 * <p>{@link #beforeCheckpoint} runs each {@link Step} once. A step must touch no real resource:
 * the SDK steps below send their requests through the SDK's {@link CannedResponseHttpClient},
 * which answers in memory (so the request is marshalled, signed with throwaway credentials and its
 * answer unmarshalled, and nothing leaves the process), and event steps only encode and decode.
 * A step that throws is logged and skipped: priming only saves time, it never fails a snapshot.
 *
 * <p>{@link #afterRestore} gives each restored environment what must not be shared between them:
 * the clients' credentials are looked up again ({@link AwsClients#refreshCredentials()}). Nothing
 * random is drawn while priming; ids come from {@link java.util.UUID#randomUUID()}, whose
 * {@code SecureRandom} mixes in fresh bytes from the operating system on every call. Not
 * thread-safe; the runtime calls the hooks from one thread, with no invocation in progress.
 */
public final class Priming implements Resource {

    private static final String TABLE = "priming";
    private static final String QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/priming";

    /** One harmless call that loads and runs code the function's first event would. */
    public record Step(String name, Runnable call) {}

    private final List<Step> steps;
    private final AwsClients aws;

    private Priming(List<Step> steps, AwsClients aws) {
        this.steps = List.copyOf(steps);
        this.aws = aws;
    }

    /** Registers these steps with the SnapStart runtime; keep the result referenced (a handler field). */
    public static Priming register(AwsClients aws, Step... steps) {
        Priming priming = new Priming(List.of(steps), aws);
        Core.getGlobalContext().register(priming);
        return priming;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long start = System.nanoTime();
        List<String> failed = new ArrayList<>();
        for (Step step : steps) {
            try {
                step.call().run();
            } catch (RuntimeException e) {
                failed.add(step.name() + ": " + e);
            }
        }
        System.out.println("SnapStart priming: " + steps.stream().map(Step::name).toList() + " in "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms"
                + (failed.isEmpty() ? "" : "; failed (skipped): " + failed));
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        aws.refreshCredentials();
    }

    /** Encodes an event of the function's own kind and decodes it again: Jackson and the schema validator. */
    public static Step events(EventCodec codec, Supplier<CloudEvent> sample) {
        return new Step("events", () -> {
            CloudEvent event = sample.get();
            codec.decode(codec.encode(event), event.type());
        });
    }

    /** The DynamoDB calls the functions make: get, conditional put and update, query. */
    public static Step dynamoDb() {
        return new Step("dynamodb", () -> {
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("priming"));
            try (DynamoDbClient dynamo = canned(DynamoDbClient.builder(), "{}").build()) {
                dynamo.getItem(r -> r.tableName(TABLE).key(key).consistentRead(true));
                dynamo.putItem(r -> r.tableName(TABLE).item(key).conditionExpression("attribute_not_exists(pk)")
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
                dynamo.updateItem(r -> r.tableName(TABLE).key(key).updateExpression("SET #s = :s")
                        .expressionAttributeNames(Map.of("#s", "status"))
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS("PRIMED"))));
                dynamo.query(r -> r.tableName(TABLE).keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("priming"))));
            }
        });
    }

    /** Sending to a queue, one message and a batch (checksums off: the canned answer has none). */
    public static Step sqs() {
        return new Step("sqs", () -> {
            try (SqsClient sqs = canned(SqsClient.builder(), "{}").checksumValidationEnabled(false).build()) {
                sqs.sendMessage(r -> r.queueUrl(QUEUE_URL).messageBody("{}").messageAttributes(Map.of("priming",
                        MessageAttributeValue.builder().dataType("String").stringValue("priming").build())));
                sqs.sendMessageBatch(r -> r.queueUrl(QUEUE_URL).entries(e -> e.id("1").messageBody("{}")));
            }
        });
    }

    /** Reading and writing an object. */
    public static Step s3() {
        return new Step("s3", () -> {
            try (S3Client s3 = canned(S3Client.builder(), "{}").forcePathStyle(true).build()) {
                s3.getObjectAsBytes(r -> r.bucket("priming").key("priming.json")).asUtf8String();
                s3.putObject(r -> r.bucket("priming").key("priming.json").contentType("application/json"),
                        RequestBody.fromString("{}"));
            }
        });
    }

    /** Presigning an S3 download link (signing only: a presigner sends nothing). */
    public static Step s3Presigner() {
        return new Step("s3-presigner", () -> {
            try (S3Presigner presigner = S3Presigner.builder().region(region()).credentialsProvider(throwaway())
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                    .endpointOverride(URI.create("http://localhost")).build()) {
                presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(1))
                        .getObjectRequest(g -> g.bucket("priming").key("priming.csv")));
            }
        });
    }

    /** An asynchronous (Event) invoke of another function. */
    public static Step lambda() {
        return new Step("lambda", () -> {
            try (LambdaClient lambda = canned(LambdaClient.builder(), "").build()) {
                lambda.invoke(r -> r.functionName("priming").invocationType(InvocationType.EVENT)
                        .payload(SdkBytes.fromString("{}", StandardCharsets.UTF_8)));
            }
        });
    }

    /** A client like the function's, whose HTTP client answers every request in memory with {@code body}. */
    private static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B canned(B builder, String body) {
        return builder.httpClient(CannedResponseHttpClient.builder().statusCode(200)
                        .responseBody(body.getBytes(StandardCharsets.UTF_8)).build())
                .credentialsProvider(throwaway())
                .region(region())
                // never contacted (the canned client answers); set so no endpoint variable is read
                .endpointOverride(URI.create("http://localhost"));
    }

    private static StaticCredentialsProvider throwaway() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming"));
    }

    private static Region region() {
        return Region.of(Optional.ofNullable(System.getenv("AWS_REGION")).filter(r -> !r.isBlank()).orElse("us-east-1"));
    }
}
