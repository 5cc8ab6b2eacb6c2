package eventjobs.reports;

import eventjobs.core.idempotency.ConditionalWrites;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Report jobs in a DynamoDB table keyed by the string {@code jobId}, each kept for
 * {@link #KEEP} (DynamoDB TTL on {@code expiresAt}, epoch seconds). Thread-safe.
 */
public final class DynamoDbJobStore implements JobStore {

    public static final Duration KEEP = Duration.ofDays(30);
    /** The sparse index of jobs with a deadline: partition status, sort deadline (ISO-8601); DONE jobs leave it. */
    public static final String BY_STATUS_DEADLINE = "ByStatusDeadline";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbJobStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Creation create(ReportRequest request, String requestHash, Instant now, Instant deadline) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("jobId", s(request.jobId()));
        item.put("status", s(JobStatus.PENDING.name()));
        item.put("from", s(request.from().toString()));
        item.put("to", s(request.to().toString()));
        request.currency().ifPresent(c -> item.put("currency", s(c.getCurrencyCode())));
        item.put("requestHash", s(requestHash));
        item.put("createdAt", s(now.toString()));
        item.put("updatedAt", s(now.toString()));
        item.put("deadline", s(deadline.toString()));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(now.plus(KEEP).getEpochSecond())));
        PutItemRequest put = PutItemRequest.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(jobId)").build();
        return switch (ConditionalWrites.put(dynamo, put)) {
            case ConditionalWrites.Outcome.Applied applied -> new Creation.Created();
            case ConditionalWrites.Outcome.Refused refused -> new Creation.Exists(toJob(refused.existing()),
                    refused.existing().getOrDefault("requestHash", s("")).s());
        };
    }

    @Override
    public boolean reopen(String jobId, Instant now, Instant deadline) {
        return ConditionalWrites.update(dynamo, UpdateItemRequest.builder().tableName(table).key(Map.of("jobId", s(jobId)))
                .updateExpression("SET #status = :pending, updatedAt = :now, deadline = :deadline REMOVE reason")
                .conditionExpression("#status = :failed OR (#status IN (:pending, :running) AND deadline < :now)")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(Map.of(":pending", s(JobStatus.PENDING.name()), ":failed", s(JobStatus.FAILED.name()),
                        ":running", s(JobStatus.RUNNING.name()), ":now", s(now.toString()), ":deadline", s(deadline.toString())))
                .build()) instanceof ConditionalWrites.Outcome.Applied;
    }

    @Override
    public java.util.stream.Stream<Job> overdue(Instant now) {
        return java.util.stream.Stream.of(JobStatus.PENDING, JobStatus.RUNNING).flatMap(status -> dynamo.queryPaginator(r -> r
                        .tableName(table).indexName(BY_STATUS_DEADLINE)
                        .keyConditionExpression("#status = :status AND deadline < :now")
                        .expressionAttributeNames(Map.of("#status", "status"))
                        .expressionAttributeValues(Map.of(":status", s(status.name()), ":now", s(now.toString())))
                        .limit(100))
                .items().stream().map(DynamoDbJobStore::toJob));
    }

    @Override
    public boolean expire(Job job, Instant now) {
        if (!job.overdue(now)) {
            return false;
        }
        Instant deadline = job.deadline().orElseThrow();
        return ConditionalWrites.update(dynamo, UpdateItemRequest.builder().tableName(table).key(Map.of("jobId", s(job.jobId())))
                .updateExpression("SET #status = :failed, updatedAt = :now, reason = :reason")
                .conditionExpression("#status IN (:pending, :running) AND deadline = :deadline")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(Map.of(":failed", s(JobStatus.FAILED.name()), ":pending", s(JobStatus.PENDING.name()),
                        ":running", s(JobStatus.RUNNING.name()), ":now", s(now.toString()),
                        ":deadline", s(deadline.toString()), ":reason", s(Job.overdueReason(deadline))))
                .build()) instanceof ConditionalWrites.Outcome.Applied;
    }

    @Override
    public Optional<Job> find(String jobId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(Map.of("jobId", s(jobId)))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toJob(item));
    }

    @Override
    public boolean move(String jobId, JobStatus status, Optional<String> reason, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":status", s(status.name()), ":now", s(now.toString()),
                ":done", s(JobStatus.DONE.name())));
        String update = "SET #status = :status, updatedAt = :now";
        if (reason.isPresent()) {
            values.put(":reason", s(reason.get()));
            update += ", reason = :reason";
        } else {
            update += " REMOVE reason";
        }
        UpdateItemRequest request = UpdateItemRequest.builder().tableName(table).key(Map.of("jobId", s(jobId)))
                .updateExpression(update)
                .conditionExpression("attribute_exists(jobId) AND #status <> :done")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(values)
                .build();
        return ConditionalWrites.update(dynamo, request) instanceof ConditionalWrites.Outcome.Applied;
    }

    @Override
    public void done(String jobId, String reportKey, long rows, Instant now) {
        dynamo.updateItem(r -> r.tableName(table).key(Map.of("jobId", s(jobId)))
                .updateExpression("SET #status = :done, reportKey = :key, #rows = :rows, updatedAt = :now REMOVE reason, deadline")
                .conditionExpression("attribute_exists(jobId)")
                .expressionAttributeNames(Map.of("#status", "status", "#rows", "rows"))
                .expressionAttributeValues(Map.of(":done", s(JobStatus.DONE.name()), ":key", s(reportKey),
                        ":rows", AttributeValue.fromN(Long.toString(rows)), ":now", s(now.toString()))));
    }

    private static Job toJob(Map<String, AttributeValue> item) {
        ReportRequest request = new ReportRequest(item.get("jobId").s(), LocalDate.parse(item.get("from").s()),
                LocalDate.parse(item.get("to").s()),
                Optional.ofNullable(item.get("currency")).map(c -> Currency.getInstance(c.s())));
        return new Job(request, JobStatus.valueOf(item.get("status").s()), Instant.parse(item.get("createdAt").s()),
                Instant.parse(item.get("updatedAt").s()),
                Optional.ofNullable(item.get("reportKey")).map(AttributeValue::s),
                Optional.ofNullable(item.get("reason")).map(AttributeValue::s),
                Optional.ofNullable(item.get("rows")).map(v -> Long.parseLong(v.n())),
                Optional.ofNullable(item.get("deadline")).map(v -> Instant.parse(v.s())));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
