package eventjobs.imports;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ImportFunction: for each CSV file created under {@code imports/} in UploadsBucket, imports its
 * orders onto OrdersQueue and writes a report to ResultsBucket at {@code import-reports/<key>.json}.
 * A file is imported once per version (guarded idempotency): a repeated notification does
 * nothing. A file that cannot be an import gets a REJECTED report and is not retried; a failure
 * to read or send is thrown, so Lambda retries it. Environment: {@code ORDERS_QUEUE_URL},
 * {@code IDEMPOTENCY_TABLE}, {@code RESULTS_BUCKET}, optional {@code IMPORT_MAX_BYTES},
 * {@code IMPORT_MAX_ROWS}.
 */
public class ImportHandler implements RequestHandler<S3Event, List<String>> {

    static final String REPORT_PREFIX = "import-reports/";

    private final S3Client s3;
    private final ImportOrders importOrders;
    private final Idempotency idempotency;
    private final String resultsBucket;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ImportHandler() {
        this(Env.fromSystem(), AwsClients.fromEnvironment(), Clock.systemUTC());
    }

    private ImportHandler(Env env, AwsClients aws, Clock clock) {
        this(aws.s3(), aws, new EventCodec(), env, clock);
    }

    private ImportHandler(S3Client s3, AwsClients aws, EventCodec codec, Env env, Clock clock) {
        this(s3, new ImportOrders(new SqsOrderBatches(aws.sqs(), env.require("ORDERS_QUEUE_URL"), "/import",
                        codec, clock, Duration.ofMillis(100)), codec,
                        new ImportLimits(env.optional("IMPORT_MAX_BYTES").map(Long::parseLong).orElse(ImportLimits.defaults().maxBytes()),
                                env.optional("IMPORT_MAX_ROWS").map(Long::parseLong).orElse(ImportLimits.defaults().maxRows()),
                                ImportLimits.defaults().maxRowChars()), clock),
                new Idempotency(new DynamoDbIdempotencyStore(aws.dynamoDb(), env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                env.require("RESULTS_BUCKET"));
    }

    public ImportHandler(S3Client s3, ImportOrders importOrders, Idempotency idempotency, String resultsBucket) {
        this.s3 = s3;
        this.importOrders = importOrders;
        this.idempotency = idempotency;
        this.resultsBucket = resultsBucket;
    }

    /** @return one line per file: its report's status and where the report is */
    @Override
    public List<String> handleRequest(S3Event event, Context context) {
        List<String> outcomes = new ArrayList<>();
        // an s3:TestEvent, sent when a notification is configured, has no records
        List<S3EventNotification.S3EventNotificationRecord> records = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        for (S3EventNotification.S3EventNotificationRecord record : records) {
            var object = record.getS3().getObject();
            ObjectRef ref = new ObjectRef(record.getS3().getBucket().getName(), object.getUrlDecodedKey(),
                    Optional.ofNullable(object.getVersionId()).filter(v -> !v.isBlank()),
                    object.geteTag() == null ? "" : object.geteTag(), object.getSizeAsLong() == null ? 0 : object.getSizeAsLong());
            Duration timeLeft = Duration.ofMillis(context == null ? 60_000 : context.getRemainingTimeInMillis());
            String outcome = idempotency.once("import:" + ref.identity(), ref.identity(), timeLeft, () -> importFile(ref));
            Log.line(context, LogLevel.INFO, ref.key() + ": " + outcome);
            outcomes.add(outcome);
        }
        return outcomes;
    }

    private String importFile(ObjectRef ref) {
        ImportReport report;
        try (ResponseInputStream<GetObjectResponse> content = s3.getObject(r -> {
            r.bucket(ref.bucket()).key(ref.key());
            ref.versionId().ifPresent(r::versionId);
        })) {
            report = importOrders.run(ref, content);
        } catch (NoSuchKeyException gone) {
            report = ImportReport.rejected(ref, "the object no longer exists", java.time.Instant.now());
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + ref.bucket() + "/" + ref.key() + " failed", e);
        }
        String reportKey = REPORT_PREFIX + ref.key() + ".json";
        s3.putObject(r -> r.bucket(resultsBucket).key(reportKey).contentType("application/json"),
                RequestBody.fromString(report.toJson()));
        return report.status() + " s3://" + resultsBucket + "/" + reportKey + " (" + report.accepted() + " of "
                + report.rowsRead() + " rows imported)";
    }
}
