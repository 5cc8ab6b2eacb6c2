package eventjobs.core.idempotency;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link IdempotencyStore} on a DynamoDB table keyed by the string attribute {@value #KEY}, with
 * DynamoDB TTL on {@value #EXPIRES_AT} (epoch seconds). Taking a key is one conditional
 * {@code PutItem} that returns the holding item on failure ({@code ALL_OLD}), so a duplicate
 * costs one request. Thread-safe.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {

    public static final String KEY = "id";
    public static final String EXPIRES_AT = "expiresAt";
    static final String STATUS = "status";
    static final String PAYLOAD_HASH = "payloadHash";
    static final String RESULT = "result";
    static final String IN_PROGRESS_UNTIL = "inProgressUntil";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbIdempotencyStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<IdempotencyRecord> tryLock(String key, String payloadHash, Instant now,
                                               Instant inProgressUntil, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(key));
        item.put(STATUS, s(IdempotencyRecord.Status.IN_PROGRESS.name()));
        item.put(PAYLOAD_HASH, s(payloadHash));
        item.put(IN_PROGRESS_UNTIL, n(inProgressUntil.toEpochMilli()));
        item.put(EXPIRES_AT, n(expiresAt.getEpochSecond()));
        PutItemRequest lock = PutItemRequest.builder().tableName(table).item(item)
                // TTL deletes lazily (up to days late), so an expired record must not block a new run.
                .conditionExpression("attribute_not_exists(#key) OR #expiresAt < :nowSeconds"
                        + " OR (#status = :inProgress AND #inProgressUntil < :nowMillis)")
                .expressionAttributeNames(Map.of("#key", KEY, "#expiresAt", EXPIRES_AT,
                        "#status", STATUS, "#inProgressUntil", IN_PROGRESS_UNTIL))
                .expressionAttributeValues(Map.of(":nowSeconds", n(now.getEpochSecond()),
                        ":nowMillis", n(now.toEpochMilli()),
                        ":inProgress", s(IdempotencyRecord.Status.IN_PROGRESS.name())))
                .build();
        return switch (ConditionalWrites.put(dynamo, lock)) {
            case ConditionalWrites.Outcome.Applied applied -> Optional.empty();
            case ConditionalWrites.Outcome.Refused refused -> Optional.of(toRecord(key, refused.existing()));
        };
    }

    @Override
    public void complete(String key, String result, Instant expiresAt) {
        dynamo.updateItem(r -> r.tableName(table).key(Map.of(KEY, s(key)))
                .updateExpression("SET #status = :completed, #result = :result, #expiresAt = :expiresAt"
                        + " REMOVE #inProgressUntil")
                .expressionAttributeNames(Map.of("#status", STATUS, "#result", RESULT,
                        "#expiresAt", EXPIRES_AT, "#inProgressUntil", IN_PROGRESS_UNTIL))
                .expressionAttributeValues(Map.of(":completed", s(IdempotencyRecord.Status.COMPLETED.name()),
                        ":result", s(result), ":expiresAt", n(expiresAt.getEpochSecond()))));
    }

    @Override
    public void release(String key) {
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(Map.of(KEY, s(key)))
                    .conditionExpression("#status = :inProgress")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(Map.of(":inProgress", s(IdempotencyRecord.Status.IN_PROGRESS.name()))));
        } catch (ConditionalCheckFailedException alreadyGoneOrCompleted) {
            // nothing to give back
        }
    }

    private static IdempotencyRecord toRecord(String key, Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            // The condition failed on an item that vanished before it could be returned: treat as held.
            return new IdempotencyRecord(key, IdempotencyRecord.Status.IN_PROGRESS, "", Optional.empty(),
                    Instant.EPOCH, Instant.EPOCH);
        }
        return new IdempotencyRecord(key,
                IdempotencyRecord.Status.valueOf(item.get(STATUS).s()),
                item.containsKey(PAYLOAD_HASH) ? item.get(PAYLOAD_HASH).s() : "",
                Optional.ofNullable(item.get(RESULT)).map(AttributeValue::s),
                item.containsKey(IN_PROGRESS_UNTIL) ? Instant.ofEpochMilli(Long.parseLong(item.get(IN_PROGRESS_UNTIL).n())) : Instant.EPOCH,
                item.containsKey(EXPIRES_AT) ? Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())) : Instant.EPOCH);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
