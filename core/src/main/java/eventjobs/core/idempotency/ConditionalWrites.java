package eventjobs.core.idempotency;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.util.Map;

/**
 * Fused idempotency: when the effect itself is a DynamoDB write, that write carries the
 * condition, and a duplicate is told apart from a first run by the item the failed condition
 * returns. One request per run on the happy path, and on the duplicate path too.
 */
public final class ConditionalWrites {

    private ConditionalWrites() {}

    /** The result of a conditional write. */
    public sealed interface Outcome {
        /** The condition held and the write was applied. */
        record Applied() implements Outcome {}

        /** The condition failed; {@code existing} is the item as it was (empty if there was none). */
        record Refused(Map<String, AttributeValue> existing) implements Outcome {}
    }

    public static Outcome update(DynamoDbClient dynamo, UpdateItemRequest request) {
        try {
            dynamo.updateItem(request.toBuilder()
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build());
            return new Outcome.Applied();
        } catch (ConditionalCheckFailedException refused) {
            return new Outcome.Refused(refused.hasItem() ? refused.item() : Map.of());
        }
    }

    public static Outcome put(DynamoDbClient dynamo, PutItemRequest request) {
        try {
            dynamo.putItem(request.toBuilder()
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build());
            return new Outcome.Applied();
        } catch (ConditionalCheckFailedException refused) {
            return new Outcome.Refused(refused.hasItem() ? refused.item() : Map.of());
        }
    }
}
