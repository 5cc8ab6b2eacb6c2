package eventjobs.imports;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
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
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * ImportFunction: for each CSV file created under {@code imports/} in UploadsBucket, imports its
 * orders onto OrdersQueue and writes a report to ResultsBucket at {@code import-reports/<key>.json}
 * (shortened by {@link DerivedKeys} when that is over S3's key limit).
 *
 * <p>A file too large for one invocation is read in parts ({@link ImportPart}, at most
 * {@value ImportPart#MAX_PARTS}): when a part's {@link PartBudget} is spent, it hands the rest to
 * a new invocation of this function ({@link PartHandover}) with the event
 * {@code {"importPart": ...}}, and the part that reaches the end writes the one report.
 * Each part runs once per file version (guarded idempotency, keyed by the part's first byte), and
 * so does the report: a repeated notification or part does nothing. A file that cannot be an
 * import gets a REJECTED report and is not retried; a failure to read, send or hand over is
 * thrown, so Lambda retries that part. Environment: {@code ORDERS_QUEUE_URL},
 * {@code IDEMPOTENCY_TABLE}, {@code RESULTS_BUCKET}, {@code FAILURES_QUEUE_URL}, optional
 * {@code IMPORT_MAX_BYTES}, {@code IMPORT_MAX_ROWS}, {@code IMPORT_PART_MAX_ROWS}.
 */
public class ImportHandler implements RequestStreamHandler {

    static final String REPORT_PREFIX = "import-reports/";
    private static final JsonMapper JSON = JsonMapper.shared();

    private final AsyncJob job;
    private final S3Client s3;
    private final ImportOrders importOrders;
    private final PartBudget budget;
    private final PartHandover handover;
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
        PartBudget budget = PartBudget.defaults();
        this(new AsyncJob(new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), clock), aws.s3(),
                new ImportOrders(new SqsOrderBatches(aws.sqs(), env.require("ORDERS_QUEUE_URL"), "/import", codec, clock,
                        Duration.ofMillis(100)), codec, limits, ImportOrders.SENDS_IN_FLIGHT, clock),
                budget.withMaxRows(env.optional("IMPORT_PART_MAX_ROWS").map(Long::parseLong).orElse(budget.maxRows())),
                new LambdaPartHandover(aws::lambda),
                new Idempotency(new DynamoDbIdempotencyStore(aws.dynamoDb(), env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                env.require("RESULTS_BUCKET"), clock);
        this.priming = Priming.register(aws, Priming.events(codec, () -> OrderPlaced.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.s3(), Priming.sqs());
    }

    public ImportHandler(AsyncJob job, S3Client s3, ImportOrders importOrders, PartBudget budget, PartHandover handover,
                         Idempotency idempotency, String resultsBucket, Clock clock) {
        this.job = job;
        this.s3 = s3;
        this.importOrders = importOrders;
        this.budget = budget;
        this.handover = handover;
        this.idempotency = idempotency;
        this.resultsBucket = resultsBucket;
        this.clock = clock;
    }

    /**
     * Answers with a JSON array, one line per file: its report's status and where the report is,
     * or which part reads on. An event that is neither an S3 notification nor a part's is parked
     * on UploadsDLQ with the reason (the one line FAILED and why); an {@code s3:TestEvent} is
     * skipped (no line).
     */
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        List<String> outcomes = ImportPart.isPartEvent(event)
                ? List.of(job.process(event, context, ImportPart::parse, part -> once(part, context)))
                : job.processS3(event, context, file -> once(ImportPart.first(file, clock.instant()), context));
        output.write(JSON.writeValueAsBytes(outcomes));
    }

    /** Reads a part once; its lock lasts as long as the part may run, so a crashed part is read again by a retry. */
    private String once(ImportPart part, Context context) {
        Duration remaining = Duration.ofMillis(context.getRemainingTimeInMillis());
        Instant deadline = clock.instant().plus(remaining);
        return idempotency.once("import:" + part.identity(), part.identity(),
                part.isLast() ? remaining : budget.longestRun(remaining), () -> importPart(part, context, deadline));
    }

    private String importPart(ImportPart part, Context context, Instant deadline) {
        PartOutcome outcome;
        S3ObjectRef file = part.object();
        try (ResponseInputStream<GetObjectResponse> content = s3.getObject(r -> {
            r.bucket(file.bucket()).key(file.key());
            file.versionId().ifPresent(r::versionId);
            if (!part.isFirst()) {
                // the rest of the same content: a replaced object answers 412, not other bytes
                r.range("bytes=" + part.offset() + "-").ifMatch(quoted(file.eTag()));
            }
        })) {
            outcome = importOrders.run(part, content, budget, deadline);
        } catch (NoSuchKeyException gone) {
            outcome = new PartOutcome.Finished(importOrders.stopped(part, "the object no longer exists"));
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            if ("NoSuchBucket".equals(code)) {
                outcome = new PartOutcome.Finished(importOrders.stopped(part, "the bucket " + file.bucket() + " does not exist"));
            } else if (!part.isFirst() && (e.statusCode() == 412 || e.statusCode() == 416)) {
                outcome = new PartOutcome.Finished(importOrders.stopped(part, "the file was replaced while it was imported"));
            } else {
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + file.bucket() + "/" + file.key() + " failed", e);
        }
        return switch (outcome) {
            case PartOutcome.Continued continued -> handOver(part, continued.next(), context);
            case PartOutcome.Finished finished -> report(finished.report(), deadline);
        };
    }

    private String handOver(ImportPart part, ImportPart next, Context context) {
        handover.handOver(next, context.getInvokedFunctionArn());
        return "CONTINUED s3://" + part.object().bucket() + "/" + part.object().key() + ": part " + part.number()
                + " read rows " + (part.tally().rowsRead() + 1) + " to " + next.tally().rowsRead() + "; part " + next.number()
                + " reads on from row " + (next.tally().rowsRead() + 1) + " (byte " + next.offset() + ")";
    }

    /** Writes the report once per file version, however many parts or retries reach the end. */
    private String report(ImportReport report, Instant deadline) {
        S3ObjectRef file = report.object();
        String reportKey = DerivedKeys.of(REPORT_PREFIX, file.key(), ".json");
        Duration remaining = Duration.between(clock.instant(), deadline);
        return idempotency.once("import-report:" + file.identity(), file.identity(), remaining.isNegative() ? Duration.ZERO : remaining, () -> {
            s3.putObject(r -> r.bucket(resultsBucket).key(reportKey).contentType("application/json"),
                    RequestBody.fromString(report.toJson()));
            return report.status() + " s3://" + resultsBucket + "/" + reportKey + " (" + report.accepted() + " of "
                    + report.rowsRead() + " rows imported" + (report.parts() > 1 ? ", in " + report.parts() + " parts" : "") + ")"
                    + (DerivedKeys.shortened(REPORT_PREFIX, file.key(), ".json") ? "; the report's key is shortened to fit S3's "
                    + DerivedKeys.MAX_KEY_BYTES + "-byte limit" : "");
        });
    }

    private static String quoted(String eTag) {
        return eTag.startsWith("\"") ? eTag : "\"" + eTag + "\"";
    }
}
