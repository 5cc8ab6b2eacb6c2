package eventjobs.reports.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import eventjobs.core.Env;
import eventjobs.core.api.ApiError;
import eventjobs.core.api.HttpApi;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.core.snapstart.Priming;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.Job;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * ReportsApiFunction, behind the HTTP API: {@code POST /reports} starts a report job and answers
 * 202 {@code {jobId, status, links}} with a {@code Location}; {@code GET /jobs/{jobId}} follows
 * it: PENDING, RUNNING, DONE (with a presigned download URL and its expiry) or FAILED (with the
 * reason), or 404. Environment: {@code JOBS_TABLE}, {@code REPORT_WORKER_FUNCTION},
 * {@code RESULTS_BUCKET}, optional {@code REPORT_MAX_DAYS} (366), {@code DOWNLOAD_URL_SECONDS} (900).
 */
public class ReportsApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final JsonMapper JSON = JsonMapper.shared();

    /** Makes a time-limited download link for a report. */
    public interface Downloads {
        URI link(String key, Duration validFor);
    }

    private final RequestReport requestReport;
    private final JobStore jobs;
    private final Downloads downloads;
    private final Duration linkValidity;
    private final Clock clock;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public ReportsApiHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        EventCodec codec = new EventCodec();
        JobStore jobs = new DynamoDbJobStore(aws.dynamoDb(), env.require("JOBS_TABLE"));
        RequestReport.Worker worker = lambdaWorker(aws.lambda(), env.require("REPORT_WORKER_FUNCTION"), codec, clock);
        // a job can finish until its last event is as old as the worker's MaximumEventAgeInSeconds and that attempt times out
        Duration finishWithin = Duration.ofSeconds(env.optional("REPORT_EVENT_MAX_AGE_SECONDS").map(Long::parseLong).orElse(21_600L)
                + env.optional("REPORT_WORKER_TIMEOUT_SECONDS").map(Long::parseLong).orElse(900L));
        this(new RequestReport(jobs, worker, codec, env.optional("REPORT_MAX_DAYS").map(Integer::parseInt).orElse(366),
                finishWithin, clock),
                jobs, s3Downloads(aws.presigner(), env.require("RESULTS_BUCKET")),
                Duration.ofSeconds(env.optional("DOWNLOAD_URL_SECONDS").map(Long::parseLong).orElse(900L)), clock);
        this.priming = Priming.register(aws, Priming.events(codec, () -> ReportRequest.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.lambda(), Priming.s3Presigner());
    }

    public ReportsApiHandler(RequestReport requestReport, JobStore jobs, Downloads downloads, Duration linkValidity, Clock clock) {
        this.requestReport = requestReport;
        this.jobs = jobs;
        this.downloads = downloads;
        this.linkValidity = linkValidity;
        this.clock = clock;
    }

    /** Starts the worker with an Event (asynchronous) invoke of the ReportRequested event. */
    public static RequestReport.Worker lambdaWorker(LambdaClient lambda, String function, EventCodec codec, Clock clock) {
        return request -> lambda.invoke(r -> r.functionName(function).invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(codec.encode(request.event("/reports-api", clock.instant())))));
    }

    public static Downloads s3Downloads(S3Presigner presigner, String bucket) {
        return (key, validFor) -> URI.create(presigner.presignGetObject(r -> r.signatureDuration(validFor)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
        return HttpApi.handle(request, context, Map.of(
                "POST /reports", this::post,
                "GET /jobs/{jobId}", this::get));
    }

    private APIGatewayV2HTTPResponse post(APIGatewayV2HTTPEvent request) {
        var body = HttpApi.jsonBody(request);
        Optional<String> key = HttpApi.idempotencyKey(request);
        RequestReport.Requested requested = requestReport.request(body, key, HttpApi.caller(request));
        String self = "/jobs/" + requested.jobId();
        ObjectNode response = JSON.createObjectNode().put("jobId", requested.jobId()).put("status", JobStatus.PENDING.name());
        response.putObject("links").put("self", self);
        return HttpApi.json(202, response, requested.replayed()
                ? Map.of("Location", self, "Idempotent-Replayed", "true") : Map.of("Location", self));
    }

    private APIGatewayV2HTTPResponse get(APIGatewayV2HTTPEvent request) {
        String jobId = HttpApi.pathParameter(request, "jobId");
        if (!JOB_ID.matcher(jobId).matches()) {
            throw ApiError.badRequest("invalid job id", List.of(new Violation("jobId", "must be 1 to 64 letters, digits, '-' or '_'")));
        }
        Job job = jobs.find(jobId).orElseThrow(() -> ApiError.notFound("no job " + jobId));
        // past its deadline a job is FAILED, whether or not the sweeper has written so yet
        boolean overdue = job.overdue(clock.instant());
        ObjectNode view = JSON.createObjectNode().put("jobId", job.jobId())
                .put("status", overdue ? JobStatus.FAILED.name() : job.status().name())
                .put("from", job.request().from().toString()).put("to", job.request().to().toString());
        job.request().currency().ifPresent(c -> view.put("currency", c.getCurrencyCode()));
        view.put("createdAt", job.createdAt().toString()).put("updatedAt", job.updatedAt().toString());
        (overdue ? job.deadline().map(Job::overdueReason) : job.reason()).ifPresent(reason -> view.put("reason", reason));
        job.rows().ifPresent(rows -> view.put("rows", rows));
        if (job.status() == JobStatus.DONE && job.reportKey().isPresent()) {
            view.putObject("download")
                    .put("url", downloads.link(job.reportKey().get(), linkValidity).toString())
                    .put("expiresAt", clock.instant().plus(linkValidity).toString());
        }
        view.putObject("links").put("self", "/jobs/" + job.jobId());
        return HttpApi.json(200, view, Map.of());
    }
}
