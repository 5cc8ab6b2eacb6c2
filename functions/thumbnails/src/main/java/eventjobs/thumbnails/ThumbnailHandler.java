package eventjobs.thumbnails;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import eventjobs.core.Env;
import eventjobs.core.JobFailure;
import eventjobs.core.async.AsyncJob;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.core.s3.DerivedKeys;
import eventjobs.core.s3.S3ObjectRef;
import eventjobs.core.snapstart.Priming;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * ThumbnailFunction: for each JPEG or PNG created under {@code images/} in UploadsBucket, writes
 * thumbnails to ResultsBucket at {@code thumbnails/<width>/<key>} (an image narrower than a width
 * at its own size; the key shortened by {@link DerivedKeys} past S3's limit), once per object version. An
 * image that can never be thumbnailed (corrupt, another format, over a size or pixel limit) is
 * parked on UploadsDLQ with its reason at once, without retries. Environment:
 * {@code RESULTS_BUCKET}, {@code IDEMPOTENCY_TABLE}, {@code FAILURES_QUEUE_URL}, optional
 * {@code THUMBNAIL_WIDTHS} (128,512), {@code IMAGE_MAX_BYTES}, {@code IMAGE_MAX_PIXELS}.
 */
public class ThumbnailHandler implements RequestStreamHandler {

    private static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    private static final JsonMapper JSON = JsonMapper.shared();

    private final AsyncJob job;
    private final S3Client s3;
    private final MakeThumbnails thumbnails;
    private final Idempotency idempotency;
    private final String resultsBucket;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ThumbnailHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        List<Integer> widths = Arrays.stream(env.optional("THUMBNAIL_WIDTHS").orElse("128,512").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        this(new AsyncJob(new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), clock), aws.s3(),
                new MakeThumbnails(env.optional("IMAGE_MAX_BYTES").map(Long::parseLong).orElse(20L * 1024 * 1024),
                        env.optional("IMAGE_MAX_PIXELS").map(Long::parseLong).orElse(40_000_000L), widths),
                new Idempotency(new DynamoDbIdempotencyStore(aws.dynamoDb(), env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                env.require("RESULTS_BUCKET"));
        this.priming = Priming.register(aws, Priming.dynamoDb(), Priming.s3(), Priming.sqs());
    }

    public ThumbnailHandler(AsyncJob job, S3Client s3, MakeThumbnails thumbnails, Idempotency idempotency,
                            String resultsBucket) {
        this.job = job;
        this.s3 = s3;
        this.thumbnails = thumbnails;
        this.idempotency = idempotency;
        this.resultsBucket = resultsBucket;
    }

    /**
     * Answers with a JSON array, one line per image: the thumbnails written, or FAILED and why it
     * was parked. An event that is no S3 notification is parked on UploadsDLQ with the reason (the
     * one line FAILED and why); an {@code s3:TestEvent} is skipped (no line).
     */
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        List<String> outcomes = job.processS3(event, context, image -> idempotency.once("thumbnails:" + image.identity(), image.identity(),
                Duration.ofMillis(context.getRemainingTimeInMillis()), () -> write(image)));
        output.write(JSON.writeValueAsBytes(outcomes));
    }

    private String write(S3ObjectRef image) {
        byte[] content;
        try {
            content = s3.getObjectAsBytes(r -> {
                r.bucket(image.bucket()).key(image.key());
                image.versionId().ifPresent(r::versionId);
            }).asByteArray();
        } catch (NoSuchKeyException gone) {
            throw JobFailure.permanent(image.key() + " no longer exists");
        } catch (S3Exception e) {
            if ("NoSuchBucket".equals(e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode())) {
                throw JobFailure.permanent("the bucket " + image.bucket() + " does not exist", e);
            }
            throw e;
        }
        StringBuilder keys = new StringBuilder();
        for (MakeThumbnails.Thumbnail thumbnail : thumbnails.apply(image, content)) {
            // the folder names the configured width: a narrower image is there at its own size
            String key = DerivedKeys.of("thumbnails/" + thumbnail.forWidth() + "/", image.key(), "");
            s3.putObject(r -> r.bucket(resultsBucket).key(key).contentType(thumbnail.contentType()).cacheControl(CACHE_CONTROL),
                    RequestBody.fromBytes(thumbnail.bytes()));
            keys.append(keys.isEmpty() ? "" : " ").append(key).append(" (").append(thumbnail.width()).append("x")
                    .append(thumbnail.height()).append(")");
        }
        return keys.toString();
    }
}
