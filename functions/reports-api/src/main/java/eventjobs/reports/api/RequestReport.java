package eventjobs.reports.api;

import eventjobs.core.Hashing;
import eventjobs.core.api.ApiError;
import eventjobs.core.events.Violation;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;
import software.amazon.awssdk.core.exception.SdkException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Takes a report request: validates {@code {from, to, currency?}}, records the job PENDING with a
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

    static final Set<String> CURRENCIES = Set.of("EUR", "USD", "GBP", "CHF", "JPY");
    private static final Set<String> FIELDS = Set.of("from", "to", "currency");
    private static final JsonMapper CANONICAL = JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build();

    private final JobStore jobs;
    private final Worker worker;
    private final int maxDays;
    private final Clock clock;

    public RequestReport(JobStore jobs, Worker worker, int maxDays, Clock clock) {
        this.jobs = jobs;
        this.worker = worker;
        this.maxDays = maxDays;
        this.clock = clock;
    }

    public Requested request(JsonNode body, Optional<String> idempotencyKey, String caller) {
        ReportRequest request = parse(body, idempotencyKey
                .map(key -> UUID.nameUUIDFromBytes(("report\n" + caller + "\n" + key).getBytes(StandardCharsets.UTF_8)))
                .orElseGet(UUID::randomUUID).toString());
        String hash = Hashing.sha256(CANONICAL.writeValueAsString(body));
        return switch (jobs.create(request, hash, clock.instant())) {
            case JobStore.Creation.Created created -> {
                start(request);
                yield new Requested(request.jobId(), false);
            }
            case JobStore.Creation.Exists exists -> {
                if (!exists.requestHash().equals(hash)) {
                    throw new ApiError(422, "this Idempotency-Key was already used with a different request body",
                            List.of(new Violation("/", "send the original body, or use a new Idempotency-Key")));
                }
                if (exists.job().status() == JobStatus.FAILED) {
                    jobs.move(request.jobId(), JobStatus.PENDING, Optional.empty(), clock.instant());
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

    private ReportRequest parse(JsonNode body, String jobId) {
        if (!body.isObject()) {
            throw ApiError.badRequest("the request body must be a JSON object");
        }
        List<Violation> problems = new ArrayList<>();
        body.propertyNames().stream().filter(name -> !FIELDS.contains(name))
                .forEach(name -> problems.add(new Violation("/" + name, "is not a field of a report request")));
        LocalDate from = date(body, "from", problems);
        LocalDate to = date(body, "to", problems);
        Optional<Currency> currency = Optional.empty();
        JsonNode currencyNode = body.get("currency");
        if (currencyNode != null && !currencyNode.isNull()) {
            if (currencyNode.isString() && CURRENCIES.contains(currencyNode.asString())) {
                currency = Optional.of(Currency.getInstance(currencyNode.asString()));
            } else {
                problems.add(new Violation("/currency", "must be one of " + CURRENCIES.stream().sorted().toList()));
            }
        }
        if (from != null && to != null) {
            if (to.isBefore(from)) {
                problems.add(new Violation("/to", "is before from"));
            } else if (ChronoUnit.DAYS.between(from, to) + 1 > maxDays) {
                problems.add(new Violation("/to", "the range is " + (ChronoUnit.DAYS.between(from, to) + 1)
                        + " days; at most " + maxDays + " are allowed"));
            }
        }
        if (!problems.isEmpty()) {
            throw ApiError.badRequest("invalid report request", problems);
        }
        return new ReportRequest(jobId, from, to, currency);
    }

    private static LocalDate date(JsonNode body, String field, List<Violation> problems) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            problems.add(new Violation("/" + field, "is required (YYYY-MM-DD)"));
            return null;
        }
        try {
            if (!node.isString() || !node.asString().matches("\\d{4}-\\d{2}-\\d{2}")) {
                throw new DateTimeParseException("not YYYY-MM-DD", node.toString(), 0);
            }
            return LocalDate.parse(node.asString());
        } catch (DateTimeParseException e) {
            problems.add(new Violation("/" + field, "'" + (node.isString() ? node.asString() : node.toString())
                    + "' is not a date (YYYY-MM-DD)"));
            return null;
        }
    }
}
