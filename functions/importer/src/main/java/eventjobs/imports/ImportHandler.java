package eventjobs.imports;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import eventjobs.core.Env;
import eventjobs.core.async.AsyncJob;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.core.s3.DerivedKeys;
import eventjobs.core.s3.S3ObjectRef;
import eventjobs.core.snapstart.Priming;
import eventjobs.orders.OrderPlaced;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * ImportFunction: for each CSV file created under {@code imports/} in UploadsBucket, imports its
 * orders onto OrdersQueue and writes a report to ResultsBucket at {@code import-reports/<key>.json}
 * (shortened by {@link DerivedKeys} when that is over S3's key limit).
 * A file is imported once per version (guarded idempotency): a repeated notification does
 * nothing. A file that cannot be an import gets a REJECTED report and is not retried; a failure
 * to read or send is thrown, so Lambda retries it. Environment: {@code ORDERS_QUEUE_URL},
 * {@code IDEMPOTENCY_TABLE}, {@code RESULTS_BUCKET}, {@code FAILURES_QUEUE_URL}, optional {@code IMPORT_MAX_BYTES},
 * {@code IMPORT_MAX_ROWS}.
 */
public class ImportHandler implements RequestHandler<S3Event, List<String>> {

    static final String REPORT_PREFIX = "import-reports/";

    private final AsyncJob job;
    private final S3Client s3;
    private final ImportOrders importOrders;
    private final Idempotency idempotency;
    private final String resultsBucket;
    private final Clock clock;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ImportHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        EventCodec codec = new EventCodec();
        ImportLimits limits = new ImportLimits(
                env.optional("IMPORT_MAX_BYTES").map(Long::parseLong).orElse(ImportLimits.defaults().maxBytes()),
                env.optional("IMPORT_MAX_ROWS").map(Long::parseLong).orElse(ImportLimits.defaults().maxRows()),
                ImportLimits.defaults().maxRowChars());
        this(new AsyncJob(new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), clock), aws.s3(),
                new ImportOrders(new SqsOrderBatches(aws.sqs(), env.require("ORDERS_QUEUE_URL"), "/import", codec, clock,
                        Duration.ofMillis(100)), codec, limits, clock),
                new Idempotency(new DynamoDbIdempotencyStore(aws.dynamoDb(), env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                env.require("RESULTS_BUCKET"), clock);
        this.priming = Priming.register(aws, Priming.events(codec, () -> OrderPlaced.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.s3(), Priming.sqs());
    }

    public ImportHandler(AsyncJob job, S3Client s3, ImportOrders importOrders, Idempotency idempotency,
                         String resultsBucket, Clock clock) {
        this.job = job;
        this.s3 = s3;
        this.importOrders = importOrders;
        this.idempotency = idempotency;
        this.resultsBucket = resultsBucket;
        this.clock = clock;
    }

    /** @return one line per file: its report's status and where the report is */
    @Override
    public List<String> handleRequest(S3Event event, Context context) {
        return job.process(event, context, file -> idempotency.once("import:" + file.identity(), file.identity(),
                Duration.ofMillis(context.getRemainingTimeInMillis()), () -> importFile(file)));
    }

    private String importFile(S3ObjectRef file) {
        ImportReport report;
        try (ResponseInputStream<GetObjectResponse> content = s3.getObject(r -> {
            r.bucket(file.bucket()).key(file.key());
            file.versionId().ifPresent(r::versionId);
        })) {
            report = importOrders.run(file, content);
        } catch (NoSuchKeyException gone) {
            report = ImportReport.rejected(file, "the object no longer exists", clock.instant());
        } catch (S3Exception e) {
            if (!"NoSuchBucket".equals(e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode())) {
                throw e;
            }
            report = ImportReport.rejected(file, "the bucket " + file.bucket() + " does not exist", clock.instant());
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + file.bucket() + "/" + file.key() + " failed", e);
        }
        String reportKey = DerivedKeys.of(REPORT_PREFIX, file.key(), ".json");
        s3.putObject(r -> r.bucket(resultsBucket).key(reportKey).contentType("application/json"),
                RequestBody.fromString(report.toJson()));
        return report.status() + " s3://" + resultsBucket + "/" + reportKey + " (" + report.accepted() + " of "
                + report.rowsRead() + " rows imported)"
                + (DerivedKeys.shortened(REPORT_PREFIX, file.key(), ".json") ? "; the report's key is shortened to fit S3's "
                + DerivedKeys.MAX_KEY_BYTES + "-byte limit" : "");
    }
}
