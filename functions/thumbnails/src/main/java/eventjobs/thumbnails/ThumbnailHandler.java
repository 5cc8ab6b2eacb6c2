package eventjobs.thumbnails;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.AsyncFailures;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.JobFailure;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * ThumbnailFunction: for each JPEG or PNG created under {@code images/} in UploadsBucket, writes
 * thumbnails to ResultsBucket at {@code thumbnails/<width>/<key>}, once per object version. An
 * image that can never be thumbnailed (corrupt, another format, over a size or pixel limit) is
 * parked on UploadsDLQ with its reason at once, without retries. Environment:
 * {@code RESULTS_BUCKET}, {@code IDEMPOTENCY_TABLE}, {@code FAILURES_QUEUE_URL}, optional
 * {@code THUMBNAIL_WIDTHS} (128,512), {@code IMAGE_MAX_BYTES}, {@code IMAGE_MAX_PIXELS}.
 */
public class ThumbnailHandler implements RequestStreamHandler {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String CACHE_CONTROL = "public, max-age=31536000, immutable";

    private final S3Client s3;
    private final MakeThumbnails thumbnails;
    private final Idempotency idempotency;
    private final AsyncFailures failures;
    private final String resultsBucket;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ThumbnailHandler() {
        this(Env.fromSystem(), AwsClients.fromEnvironment(), Clock.systemUTC());
    }

    private ThumbnailHandler(Env env, AwsClients aws, Clock clock) {
        this(aws.s3(),
                new MakeThumbnails(env.optional("IMAGE_MAX_BYTES").map(Long::parseLong).orElse(20L * 1024 * 1024),
                        env.optional("IMAGE_MAX_PIXELS").map(Long::parseLong).orElse(40_000_000L),
                        Arrays.stream(env.optional("THUMBNAIL_WIDTHS").orElse("128,512").split(","))
                                .map(String::trim).map(Integer::parseInt).toList()),
                new Idempotency(new DynamoDbIdempotencyStore(aws.dynamoDb(), env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                new AsyncFailures(aws.sqs(), env.require("FAILURES_QUEUE_URL"),
                        env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("ThumbnailFunction"), clock),
                env.require("RESULTS_BUCKET"));
    }

    public ThumbnailHandler(S3Client s3, MakeThumbnails thumbnails, Idempotency idempotency, AsyncFailures failures,
                            String resultsBucket) {
        this.s3 = s3;
        this.thumbnails = thumbnails;
        this.idempotency = idempotency;
        this.failures = failures;
        this.resultsBucket = resultsBucket;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        ArrayNode written = JSON.createArrayNode();
        JsonNode records;
        try {
            records = JSON.readTree(event).path("Records");
        } catch (JacksonException e) {
            failures.park(event, JobFailure.permanent("the event is not JSON: " + e.getOriginalMessage()));
            output.write("[]".getBytes(StandardCharsets.UTF_8));
            return;
        }
        // an s3:TestEvent has no Records
        for (JsonNode record : records) {
            Image image = image(record);
            try {
                String result = idempotency.once("thumbnails:" + image.identity(), image.identity(),
                        Duration.ofMillis(context == null ? 60_000 : context.getRemainingTimeInMillis()), () -> write(image));
                written.add(result);
            } catch (JobFailure.Permanent permanent) {
                failures.park(event, permanent);
                Log.line(context, LogLevel.WARN, "parked on the failures queue: " + permanent.reason());
                written.add("FAILED " + permanent.reason());
            }
        }
        output.write(JSON.writeValueAsBytes(written));
    }

    private String write(Image image) {
        byte[] content;
        try {
            content = s3.getObjectAsBytes(r -> {
                r.bucket(image.bucket()).key(image.key());
                image.versionId().ifPresent(r::versionId);
            }).asByteArray();
        } catch (NoSuchKeyException gone) {
            throw JobFailure.permanent(image.key() + " no longer exists");
        }
        List<MakeThumbnails.Thumbnail> made = thumbnails.apply(image, content);
        StringBuilder keys = new StringBuilder();
        for (MakeThumbnails.Thumbnail thumbnail : made) {
            String key = "thumbnails/" + thumbnail.width() + "/" + image.key();
            s3.putObject(r -> r.bucket(resultsBucket).key(key).contentType(thumbnail.contentType()).cacheControl(CACHE_CONTROL),
                    RequestBody.fromBytes(thumbnail.bytes()));
            keys.append(keys.isEmpty() ? "" : " ").append(key).append(" (").append(thumbnail.width()).append("x")
                    .append(thumbnail.height()).append(")");
        }
        return keys.toString();
    }

    private static Image image(JsonNode record) {
        JsonNode object = record.at("/s3/object");
        // S3 writes keys form-encoded: '+' is a space
        String key = URLDecoder.decode(object.path("key").asString(""), StandardCharsets.UTF_8);
        return new Image(record.at("/s3/bucket/name").asString(), key,
                Optional.of(object.path("versionId").asString("")).filter(v -> !v.isBlank()),
                object.path("eTag").asString(""), object.path("size").asLong(0));
    }
}
