package eventjobs.local.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class DynamoDbLocksTest {

    private final DynamoDbLocks locks = new DynamoDbLocks();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private static byte[] on(String table) {
        return ("{\"TableName\":\"" + table + "\",\"Key\":{\"pk\":{\"S\":\"1\"}}}").getBytes(StandardCharsets.UTF_8);
    }

    /** Acquires and releases in another thread; the future ends when it got through. */
    private Future<?> request(String operation, byte[] body) {
        return threads.submit(() -> {
            locks.acquire("DynamoDB_20120810." + operation, body).close();
            return null;
        });
    }

    @Test
    void acquire_shouldNotWait_forItemReadsOrOtherTables_whileAWriteIsInFlight() throws Exception {
        try (DynamoDbLocks.Held write = locks.acquire("DynamoDB_20120810.UpdateItem", on("Orders"))) {
            for (Future<?> request : new Future<?>[] {request("GetItem", on("Orders")), request("BatchGetItem",
                    "{\"RequestItems\":{\"Orders\":{}}}".getBytes(StandardCharsets.UTF_8)), request("PutItem", on("Jobs")),
                    request("DescribeTable", on("Orders"))}) {
                request.get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void acquire_shouldLetQueriesOfOneTableRunTogether() throws Exception {
        try (DynamoDbLocks.Held query = locks.acquire("DynamoDB_20120810.Query", on("Orders"))) {
            request("Scan", on("Orders")).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void acquire_shouldHoldWritesAndQueriesOfATable_untilTheWriteBeforeThemEnds() throws Exception {
        DynamoDbLocks.Held write = locks.acquire("DynamoDB_20120810.PutItem", on("Orders"));
        Future<?> secondWrite = request("UpdateItem", on("Orders"));
        Future<?> query = request("Query", on("Orders"));
        Future<?> transaction = request("TransactWriteItems", ("{\"TransactItems\":[{\"Put\":{\"TableName\":\"Jobs\"}},"
                + "{\"ConditionCheck\":{\"TableName\":\"Orders\"}}]}").getBytes(StandardCharsets.UTF_8));

        CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)).join();
        assertThat(secondWrite).isNotDone();
        assertThat(query).isNotDone();
        assertThat(transaction).isNotDone();

        write.close();
        secondWrite.get(5, TimeUnit.SECONDS);
        query.get(5, TimeUnit.SECONDS);
        transaction.get(5, TimeUnit.SECONDS);
    }

    @Test
    void tableNames_shouldListEveryTableARequestNames_inOrder() {
        assertThat(DynamoDbLocks.tableNames(("{\"RequestItems\":{\"b\":[],\"a\":[]}}").getBytes(StandardCharsets.UTF_8)))
                .containsExactly("a", "b");
        assertThat(DynamoDbLocks.tableNames("{\"TransactItems\":[{\"Update\":{\"TableName\":\"z\"}},{\"Delete\":{\"TableName\":\"y\"}}]}"
                .getBytes(StandardCharsets.UTF_8))).containsExactly("y", "z");
        assertThat(DynamoDbLocks.tableNames("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }
}
