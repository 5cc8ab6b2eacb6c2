package eventjobs.stock;

import eventjobs.core.JobFailure;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * StockTable ({@code pk}, string): one item per SKU ({@code sku#<sku>}: {@code quantity},
 * {@code movements}, {@code updatedAt}) and one per movement applied ({@code movement#<id>}: its SKU,
 * delta, source and time). A movement is one {@code TransactWriteItems}: the movement's item, put
 * only if absent, and the SKU's update, so a redelivered movement changes nothing and costs one
 * request. Thread-safe.
 */
public final class DynamoDbStockStore implements StockStore {

    static final String KEY = "pk";
    static final String SKU_PREFIX = "sku#";
    static final String MOVEMENT_PREFIX = "movement#";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbStockStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Outcome apply(StockMovement movement, String source, Instant now) {
        TransactWriteItem marker = TransactWriteItem.builder().put(Put.builder().tableName(table)
                .item(Map.of(KEY, s(MOVEMENT_PREFIX + movement.movementId()),
                        "sku", s(movement.sku()),
                        "delta", n(movement.delta()),
                        "source", s(source),
                        "appliedAt", s(now.toString())))
                .conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", KEY))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build()).build();
        TransactWriteItem stock = TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(Map.of(KEY, s(SKU_PREFIX + movement.sku())))
                .updateExpression("SET #q = if_not_exists(#q, :zero) + :delta, #at = :now ADD #m :one")
                .expressionAttributeNames(Map.of("#q", "quantity", "#at", "updatedAt", "#m", "movements"))
                .expressionAttributeValues(Map.of(":zero", n(0), ":delta", n(movement.delta()), ":now", s(now.toString()),
                        ":one", n(1)))
                .build()).build();
        try {
            dynamo.transactWriteItems(r -> r.transactItems(List.of(marker, stock)));
        } catch (TransactionCanceledException cancelled) {
            return appliedBefore(movement, cancelled);
        } catch (SdkException e) {
            throw JobFailure.retryable("stock of " + movement.sku() + " could not be written: " + e.getMessage(), e);
        }
        return new Outcome.Applied();
    }

    /** The movement's item refused the write: it was applied before, the same or another one. */
    private Outcome appliedBefore(StockMovement movement, TransactionCanceledException cancelled) {
        List<CancellationReason> reasons = cancelled.hasCancellationReasons() ? cancelled.cancellationReasons() : List.of();
        if (reasons.isEmpty() || !"ConditionalCheckFailed".equals(reasons.getFirst().code())) {
            throw JobFailure.retryable("the stock write for movement " + movement.movementId() + " was cancelled: "
                    + cancelled.getMessage(), cancelled);
        }
        Map<String, AttributeValue> item = reasons.getFirst().hasItem() ? reasons.getFirst().item()
                : dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                        .key(Map.of(KEY, s(MOVEMENT_PREFIX + movement.movementId())))).item();
        StockMovement stored = new StockMovement(movement.movementId(), item.get("sku").s(), Long.parseLong(item.get("delta").n()));
        return stored.equals(movement) ? new Outcome.AlreadyApplied() : new Outcome.Conflict(stored);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
