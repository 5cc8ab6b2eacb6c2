package eventjobs.reports.api;

import eventjobs.core.api.ApiError;
import eventjobs.core.api.IdempotentRequests;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;
import software.amazon.awssdk.core.exception.SdkException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Takes a report request: validates {@code {from, to, currency?}} against the data of the
 * ReportRequested schema (the one the worker checks too) and the range rules, records the job PENDING with a
 * conditional write (an Idempotency-Key behaves as on /orders), and starts the worker with an
 * asynchronous invoke. If the invoke fails the job is FAILED and the answer a 503; the same
 * request with the same key starts it again.
 */
public final class RequestReport {

    /** Starts the worker for a job; throws when it could not. */
    public interface Worker {
        void start(ReportRequest request);
    }

    /** The job the request made, and whether an earlier request made it. */
    public record Requested(String jobId, boolean replayed) {}

    private static final JsonMapper JSON = JsonMapper.shared();

    private final JobStore jobs;
    private final Worker worker;
    private final EventCodec codec;
    private final int maxDays;
    private final Duration finishWithin;
    private final Clock clock;

    /**
     * @param finishWithin how long after it starts a job can still finish: Lambda's maximum event
     *                     age of the worker's invocations plus its timeout; after that it is FAILED
     */
    public RequestReport(JobStore jobs, Worker worker, EventCodec codec, int maxDays, Duration finishWithin, Clock clock) {
        this.jobs = jobs;
        this.worker = worker;
        this.codec = codec;
        this.maxDays = maxDays;
        this.finishWithin = finishWithin;
        this.clock = clock;
    }

    public Requested request(JsonNode body, Optional<String> idempotencyKey, String caller) {
        ReportRequest request = parse(body, IdempotentRequests.id("report\n", idempotencyKey, caller));
        String hash = IdempotentRequests.bodyHash(body);
        Instant now = clock.instant();
        return switch (jobs.create(request, hash, now, now.plus(finishWithin))) {
            case JobStore.Creation.Created created -> {
                start(request);
                yield new Requested(request.jobId(), false);
            }
            case JobStore.Creation.Exists exists -> {
                if (!exists.requestHash().equals(hash)) {
                    throw IdempotentRequests.keyReused();
                }
                if ((exists.job().status() == JobStatus.FAILED || exists.job().overdue(now))
                        && jobs.reopen(request.jobId(), now, now.plus(finishWithin))) {
                    start(request);
                }
                yield new Requested(request.jobId(), true);
            }
        };
    }

    private void start(ReportRequest request) {
        try {
            worker.start(request);
        } catch (SdkException e) {
            jobs.move(request.jobId(), JobStatus.FAILED, Optional.of("the report could not be started: " + e.getMessage()),
                    clock.instant());
            throw new ApiError(503, "the report could not be started; retry the same request with the same"
                    + " Idempotency-Key", List.of(new Violation("", e.getMessage())));
        }
    }

    /** Checks the body against the data of the ReportRequested schema, then what a schema cannot say about dates. */
    private ReportRequest parse(JsonNode body, String jobId) {
        if (!body.isObject()) {
            throw ApiError.badRequest("the request body must be a JSON object");
        }
        if (body.has("jobId")) {
            throw ApiError.badRequest("invalid report request",
                    List.of(new Violation("/jobId", "is assigned by the server and must not be sent")));
        }
        ObjectNode data = JSON.createObjectNode().put("jobId", jobId);
        // a field sent as null counts as not sent, as it always has
        body.properties().stream().filter(field -> !field.getValue().isNull())
                .forEach(field -> data.set(field.getKey(), field.getValue()));
        List<Violation> problems = new ArrayList<>(codec.dataViolations(ReportRequest.TYPE, data));
        if (problems.isEmpty()) {
            LocalDate from = date(data, "from", problems);
            LocalDate to = date(data, "to", problems);
            if (from != null && to != null) {
                long days = ChronoUnit.DAYS.between(from, to) + 1;
                if (to.isBefore(from)) {
                    problems.add(new Violation("/to", "is before from"));
                } else if (days > maxDays) {
                    problems.add(new Violation("/to", "the range is " + days + " days; at most " + maxDays + " are allowed"));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw ApiError.badRequest("invalid report request", problems);
        }
        return ReportRequest.fromData(data);
    }

    /** A field the schema found to be YYYY-MM-DD, or null with a problem when it is no date (2026-13-01). */
    private static LocalDate date(JsonNode data, String field, List<Violation> problems) {
        String text = data.get(field).asString();
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            problems.add(new Violation("/" + field, "'" + text + "' is not a date (YYYY-MM-DD)"));
            return null;
        }
    }
}
