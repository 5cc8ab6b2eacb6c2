package eventjobs.testkit;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Creates tables the way the template declares them. Creating an existing table is harmless. */
public final class Tables {

    private final DynamoDbClient dynamo;

    public Tables(DynamoDbClient dynamo) {
        this.dynamo = dynamo;
    }

    /** An on-demand table with a string partition key and a string sort key. */
    public void createWithStringKeys(String name, String partitionKey, String sortKey) {
        try {
            dynamo.createTable(r -> r.tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName(partitionKey).attributeType(ScalarAttributeType.S),
                            a -> a.attributeName(sortKey).attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName(partitionKey).keyType(KeyType.HASH),
                            k -> k.attributeName(sortKey).keyType(KeyType.RANGE)));
        } catch (ResourceInUseException exists) {
            return;
        }
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(name));
    }

    /** An on-demand table with a string partition key. */
    public void createWithStringKey(String name, String partitionKey) {
        try {
            dynamo.createTable(r -> r.tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName(partitionKey).attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName(partitionKey).keyType(KeyType.HASH)));
        } catch (ResourceInUseException exists) {
            return;
        }
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(name));
    }
}
