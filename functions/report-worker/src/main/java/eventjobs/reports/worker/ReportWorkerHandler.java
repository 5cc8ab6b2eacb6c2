package eventjobs.reports.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import eventjobs.core.Env;
import eventjobs.core.async.AsyncJob;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.reports.DynamoDbDailyTotals;
import eventjobs.core.snapstart.Priming;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * ReportWorkerFunction, invoked asynchronously with a ReportRequested event: builds the report
 * once per job (async invokes can arrive twice), marks the job DONE with its key, or FAILED with
 * a reason a person can act on. An event that can never be a report request is parked on
 * JobsDLQ with its reason, without retries; other failures mark the job FAILED and are thrown,
 * so Lambda retries them (a later success marks it DONE). Environment: {@code DAILY_TOTALS_TABLE},
 * {@code JOBS_TABLE}, {@code IDEMPOTENCY_TABLE}, {@code RESULTS_BUCKET}, {@code FAILURES_QUEUE_URL}.
 */
public class ReportWorkerHandler implements RequestStreamHandler {

    private final AsyncJob job;
    private final EventCodec codec;
    private final BuildReport buildReport;
    private final JobStore jobs;
    private final Idempotency idempotency;
    private final Clock clock;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ReportWorkerHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        // one DynamoDB client for the tables: each client costs cold-start time
        DynamoDbClient dynamo = aws.dynamoDb();
        S3Client s3 = aws.s3();
        String bucket = env.require("RESULTS_BUCKET");
        JobStore jobs = new DynamoDbJobStore(dynamo, env.require("JOBS_TABLE"));
        BuildReport.ReportSink sink = (key, csv) -> s3.putObject(r -> r.bucket(bucket).key(key)
                .contentType("text/csv; charset=utf-8"), RequestBody.fromBytes(csv));
        EventCodec codec = new EventCodec();
        this(new AsyncJob(new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), clock), codec,
                new BuildReport(new DynamoDbDailyTotals(dynamo, env.require("DAILY_TOTALS_TABLE"), env.require("IDEMPOTENCY_TABLE")),
                        jobs, sink, clock), jobs,
                new Idempotency(new DynamoDbIdempotencyStore(dynamo, env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                clock);
        this.priming = Priming.register(aws, Priming.events(codec, () -> ReportRequest.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.s3(), Priming.sqs());
    }

    public ReportWorkerHandler(AsyncJob job, EventCodec codec, BuildReport buildReport, JobStore jobs,
                               Idempotency idempotency, Clock clock) {
        this.job = job;
        this.codec = codec;
        this.buildReport = buildReport;
        this.jobs = jobs;
        this.idempotency = idempotency;
        this.clock = clock;
    }

    /** Answers with a JSON string: DONE and the report's key, DONE already, or FAILED and why the event was parked. */
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        String outcome = job.process(event, context,
                body -> ReportRequest.fromData(codec.decode(body, ReportRequest.TYPE).data()),
                request -> idempotency.once("report:" + request.jobId(), request.jobId(),
                        Duration.ofMillis(context.getRemainingTimeInMillis()), () -> build(request)));
        output.write(JsonMapper.shared().writeValueAsBytes(outcome));
    }

    private String build(ReportRequest request) {
        try {
            return buildReport.apply(request).map(key -> "DONE " + key).orElse("DONE already");
        } catch (RuntimeException failure) {
            jobs.move(request.jobId(), JobStatus.FAILED, Optional.of("the report could not be built: " + failure.getMessage()
                    + " (Lambda retries it; the job is DONE if a retry succeeds)"), clock.instant());
            throw failure;
        }
    }
}
