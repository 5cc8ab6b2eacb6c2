package eventjobs.core.idempotency;

import eventjobs.core.JobFailure;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Guarded idempotency against a real DynamoDB API (moto): the conditions are what is under test. */
class IdempotencyTest {

    private static final String TABLE = "Idempotency";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration KEEP = Duration.ofHours(24);

    private final EmbeddedAws aws = LocalAws.shared();
    private DynamoDbClient dynamo;
    private DynamoDbIdempotencyStore store;
    private final AtomicInteger effects = new AtomicInteger();

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        dynamo = aws.dynamoDb();
        new Tables(dynamo).createWithStringKey(TABLE, DynamoDbIdempotencyStore.KEY);
        store = new DynamoDbIdempotencyStore(dynamo, TABLE);
    }

    @AfterEach
    void tearDown() {
        dynamo.close();
    }

    private Idempotency at(Instant now) {
        return new Idempotency(store, Clock.fixed(now, ZoneOffset.UTC), KEEP);
    }

    private String effect() {
        return "result-" + effects.incrementAndGet();
    }

    @Test
    void once_shouldReturnStoredResultWithoutRunningEffect_whenDuplicate() {
        String first = at(T0).once("k", "payload", Duration.ofMinutes(1), this::effect);
        String second = at(T0.plusSeconds(5)).once("k", "payload", Duration.ofMinutes(1), this::effect);

        assertThat(first).isEqualTo("result-1");
        assertThat(second).isEqualTo("result-1");
        assertThat(effects).hasValue(1);
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(TABLE)
                .key(Map.of("id", AttributeValue.fromS("k")))).item();
        assertThat(item.get("status").s()).isEqualTo("COMPLETED");
        assertThat(item.get("expiresAt").n()).isEqualTo(Long.toString(T0.plus(KEEP).getEpochSecond()));
    }

    @Test
    void once_shouldFailPermanently_whenKeyReusedWithDifferentPayload() {
        at(T0).once("k", "payload", Duration.ofMinutes(1), this::effect);

        assertThatThrownBy(() -> at(T0).once("k", "other payload", Duration.ofMinutes(1), this::effect))
                .isInstanceOf(JobFailure.Permanent.class)
                .hasMessageContaining("different payload");
        assertThat(effects).hasValue(1);
    }

    @Test
    void once_shouldBeRetryable_whileAnotherRunHoldsTheKey() {
        store.tryLock("k", eventjobs.core.Hashing.sha256("payload"), T0, T0.plusSeconds(60), T0.plus(KEEP));

        assertThatThrownBy(() -> at(T0.plusSeconds(10)).once("k", "payload", Duration.ofMinutes(1), this::effect))
                .isInstanceOf(JobFailure.Retryable.class);
        assertThat(effects).hasValue(0);
    }

    @Test
    void once_shouldTakeOverKey_whenHolderRanPastItsInvocationTime() {
        // a run that was killed at its timeout never completes or releases
        store.tryLock("k", eventjobs.core.Hashing.sha256("payload"), T0, T0.plusSeconds(60), T0.plus(KEEP));

        String result = at(T0.plusSeconds(61)).once("k", "payload", Duration.ofMinutes(1), this::effect);

        assertThat(result).isEqualTo("result-1");
    }

    @Test
    void once_shouldRunAgain_whenRecordExpiredButTtlHasNotDeletedIt() {
        at(T0).once("k", "payload", Duration.ofMinutes(1), this::effect);

        String later = at(T0.plus(KEEP).plusSeconds(1)).once("k", "payload", Duration.ofMinutes(1), this::effect);

        assertThat(later).isEqualTo("result-2");
    }

    @Test
    void once_shouldReleaseKey_whenEffectFails() {
        assertThatThrownBy(() -> at(T0).once("k", "payload", Duration.ofMinutes(1), () -> {
            throw new IllegalStateException("S3 down");
        })).isInstanceOf(IllegalStateException.class);

        String retry = at(T0.plusSeconds(1)).once("k", "payload", Duration.ofMinutes(1), this::effect);

        assertThat(retry).isEqualTo("result-1");
    }

    @Test
    void once_shouldRunEffectOnce_whenDuplicatesArriveConcurrently() throws Exception {
        int callers = 8;
        // every caller waits here inside tryLock until all eight are: the conditional puts really race
        CyclicBarrier allInside = new CyclicBarrier(callers);
        AtomicInteger locksTaken = new AtomicInteger();
        IdempotencyStore racing = new IdempotencyStore() {
            @Override
            public Optional<IdempotencyRecord> tryLock(String key, String payloadHash, Instant now,
                                                       Instant inProgressUntil, Instant expiresAt) {
                try {
                    allInside.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    throw new AssertionError("the callers did not all reach the store together", e);
                }
                Optional<IdempotencyRecord> holder = store.tryLock(key, payloadHash, now, inProgressUntil, expiresAt);
                if (holder.isEmpty()) {
                    locksTaken.incrementAndGet();
                }
                return holder;
            }

            @Override
            public void complete(String key, String result, Instant expiresAt) {
                store.complete(key, result, expiresAt);
            }

            @Override
            public void release(String key) {
                store.release(key);
            }
        };
        Idempotency idempotency = new Idempotency(racing, Clock.fixed(T0, ZoneOffset.UTC), KEEP);
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> idempotency.once("k", "payload", Duration.ofMinutes(1), this::effect)));
            }
            int completed = 0;
            int inProgress = 0;
            for (Future<String> result : results) {
                try {
                    assertThat(result.get()).isEqualTo("result-1");
                    completed++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(JobFailure.Retryable.class);
                    inProgress++;
                }
            }
            assertThat(allInside.isBroken()).isFalse();
            assertThat(locksTaken).hasValue(1);
            assertThat(effects).hasValue(1);
            assertThat(completed).isGreaterThanOrEqualTo(1);
            assertThat(completed + inProgress).isEqualTo(callers);
        }
    }
}
