package eventjobs.local.aws;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What a DynamoDB request must hold while moto serves it, per table, so that moto behaves as
 * DynamoDB does under concurrency without serialising everything:
 * <ul>
 *   <li>writes to a table (conditional or not) one at a time: moto checks a condition and writes in
 *       two steps, so two concurrent conditional writes could both succeed;</li>
 *   <li>queries and scans of a table while no write to it runs: moto iterates the table's items and
 *       fails with an internal error if a write adds one meanwhile;</li>
 *   <li>item reads ({@code GetItem}, {@code BatchGetItem}, {@code TransactGetItems}), requests on
 *       other tables and everything else: no wait at all.</li>
 * </ul>
 * Multi-table writes ({@code BatchWriteItem}, {@code TransactWriteItems}) take their tables' locks
 * in name order, so they cannot deadlock. Thread-safe.
 */
final class DynamoDbLocks {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Set<String> ITEM_READS = Set.of("GetItem", "BatchGetItem", "TransactGetItems");
    private static final Set<String> TABLE_READS = Set.of("Query", "Scan");
    private static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
            "TransactWriteItems", "CreateTable", "UpdateTable", "DeleteTable", "UpdateTimeToLive");

    private final Map<String, ReentrantReadWriteLock> tables = new ConcurrentHashMap<>();

    /** Locks held for one request; closing releases them. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits for what a request needs and holds it.
     *
     * @param target the {@code X-Amz-Target} header, e.g. {@code DynamoDB_20120810.PutItem}
     * @param body   the request's JSON body
     */
    Held acquire(String target, byte[] body) throws InterruptedException {
        String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
        if (ITEM_READS.contains(operation) || !(TABLE_READS.contains(operation) || WRITES.contains(operation))) {
            return () -> { };
        }
        Set<String> names = tableNames(body);
        boolean write = WRITES.contains(operation);
        List<Lock> locks = names.stream()
                .map(name -> tables.computeIfAbsent(name, n -> new ReentrantReadWriteLock(true)))
                .map(lock -> write ? (Lock) lock.writeLock() : lock.readLock())
                .toList();
        int taken = 0;
        try {
            for (Lock lock : locks) {
                lock.lockInterruptibly();
                taken++;
            }
        } catch (InterruptedException e) {
            locks.subList(0, taken).forEach(Lock::unlock);
            throw e;
        }
        return () -> locks.forEach(Lock::unlock);
    }

    /** Every table a request names, in name order. */
    static Set<String> tableNames(byte[] body) {
        Set<String> names = new TreeSet<>();
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (RuntimeException unreadable) {
            return names; // moto answers it with its own error
        }
        if (request == null || !request.isObject()) {
            return names;
        }
        if (request.path("TableName").isString()) {
            names.add(request.get("TableName").asString());
        }
        request.path("RequestItems").propertyNames().forEach(names::add);
        for (JsonNode item : request.path("TransactItems")) {
            for (JsonNode action : item) {
                if (action.path("TableName").isString()) {
                    names.add(action.get("TableName").asString());
                }
            }
        }
        return names;
    }
}
