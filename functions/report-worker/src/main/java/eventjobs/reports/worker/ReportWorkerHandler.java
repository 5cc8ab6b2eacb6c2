package eventjobs.reports.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.AsyncFailures;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.JobFailure;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * ReportWorkerFunction, invoked asynchronously with a ReportRequested event: builds the report
 * once per job (async invokes can arrive twice), marks the job DONE with its key, or FAILED with
 * a reason a person can act on. An event that can never be a report request is parked on
 * JobsDLQ with its reason, without retries; other failures mark the job FAILED and are thrown,
 * so Lambda retries them (a later success marks it DONE). Environment: {@code ORDERS_TABLE},
 * {@code JOBS_TABLE}, {@code IDEMPOTENCY_TABLE}, {@code RESULTS_BUCKET}, {@code FAILURES_QUEUE_URL}.
 */
public class ReportWorkerHandler implements RequestStreamHandler {

    private final EventCodec codec;
    private final BuildReport buildReport;
    private final JobStore jobs;
    private final Idempotency idempotency;
    private final AsyncFailures failures;
    private final Clock clock;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ReportWorkerHandler() {
        this(Env.fromSystem(), AwsClients.fromEnvironment(), Clock.systemUTC());
    }

    private ReportWorkerHandler(Env env, AwsClients aws, Clock clock) {
        // one DynamoDB client for the three tables: each client costs cold-start time
        this(aws, aws.dynamoDb(), env, clock, aws.s3(), env.require("RESULTS_BUCKET"));
    }

    private ReportWorkerHandler(AwsClients aws, DynamoDbClient dynamo, Env env, Clock clock, S3Client s3, String bucket) {
        this(aws, dynamo, env, clock, new DynamoDbJobStore(dynamo, env.require("JOBS_TABLE")), s3, bucket);
    }

    private ReportWorkerHandler(AwsClients aws, DynamoDbClient dynamo, Env env, Clock clock, JobStore jobs, S3Client s3,
                                String bucket) {
        this(new EventCodec(),
                new BuildReport(new DynamoDbOrderStore(dynamo, env.require("ORDERS_TABLE")), jobs,
                        (key, csv) -> s3.putObject(r -> r.bucket(bucket).key(key).contentType("text/csv; charset=utf-8"),
                                RequestBody.fromBytes(csv)), clock),
                jobs,
                new Idempotency(new DynamoDbIdempotencyStore(dynamo, env.require("IDEMPOTENCY_TABLE")), clock,
                        Duration.ofDays(7)),
                new AsyncFailures(aws.sqs(), env.require("FAILURES_QUEUE_URL"),
                        env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("ReportWorkerFunction"), clock),
                clock);
    }

    public ReportWorkerHandler(EventCodec codec, BuildReport buildReport, JobStore jobs, Idempotency idempotency,
                               AsyncFailures failures, Clock clock) {
        this.codec = codec;
        this.buildReport = buildReport;
        this.jobs = jobs;
        this.idempotency = idempotency;
        this.failures = failures;
        this.clock = clock;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        ReportRequest request;
        try {
            request = ReportRequest.fromData(codec.decode(event, ReportRequest.TYPE).data());
        } catch (JobFailure.Permanent permanent) {
            failures.park(event, permanent);
            Log.line(context, LogLevel.WARN, "parked on the failures queue: " + permanent.reason());
            output.write("\"FAILED\"".getBytes(StandardCharsets.UTF_8));
            return;
        }
        Duration timeLeft = Duration.ofMillis(context == null ? 300_000 : context.getRemainingTimeInMillis());
        String outcome = idempotency.once("report:" + request.jobId(), request.jobId(), timeLeft, () -> {
            try {
                return buildReport.apply(request).map(key -> "DONE " + key).orElse("DONE already");
            } catch (RuntimeException failure) {
                jobs.move(request.jobId(), JobStatus.FAILED, Optional.of("the report could not be built: " + failure.getMessage()
                        + " (Lambda retries it; the job is DONE if a retry succeeds)"), clock.instant());
                throw failure;
            }
        });
        Log.line(context, LogLevel.INFO, "job " + request.jobId() + ": " + outcome);
        output.write(("\"" + outcome + "\"").getBytes(StandardCharsets.UTF_8));
    }
}
