package eventjobs.local.aws;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the requests an SDK client sends, by operation name (one per API call, retries not
 * counted twice). Thread-safe. Attach with {@code overrideConfiguration(c -> c.addExecutionInterceptor(counter))}.
 */
public final class RequestCounter implements ExecutionInterceptor {

    /** DynamoDB operations that write. */
    public static final Set<String> DYNAMODB_WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem",
            "BatchWriteItem", "TransactWriteItems");

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(operation, name -> new AtomicLong()).incrementAndGet();
    }

    public long count(String operation) {
        AtomicLong count = counts.get(operation);
        return count == null ? 0 : count.get();
    }

    public long count(Set<String> operations) {
        return operations.stream().mapToLong(this::count).sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((operation, count) -> snapshot.put(operation, count.get()));
        return snapshot;
    }

    public void clear() {
        counts.clear();
    }
}
