package eventjobs.core.idempotency;

import eventjobs.core.Hashing;
import eventjobs.core.JobFailure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Guarded idempotency: runs an effect at most once per key, for effects that are not
 * themselves a conditional DynamoDB write (an S3 object, a message, a call to another service).
 *
 * <p>The key goes IN_PROGRESS with a conditional put, the effect runs, the key goes COMPLETED
 * with the effect's result. A duplicate with the same payload gets the stored result without
 * running the effect; a duplicate with a different payload is a {@link JobFailure.Permanent};
 * a duplicate that arrives while the first run is still going is a {@link JobFailure.Retryable}.
 * The in-progress lock lasts for the invocation's remaining time, so a run that was killed at
 * its timeout does not hold the key forever. Thread-safe.
 */
public final class Idempotency {

    private final IdempotencyStore store;
    private final Clock clock;
    private final Duration keepFor;

    /**
     * @param keepFor how long a completed result is remembered (duplicates later than that run again)
     */
    public Idempotency(IdempotencyStore store, Clock clock, Duration keepFor) {
        this.store = store;
        this.clock = clock;
        this.keepFor = keepFor;
    }

    /**
     * Runs {@code effect} once for {@code key}.
     *
     * @param payload  what the run is about; a later call with the same key must bring the same payload
     * @param timeLeft how long the current invocation may still run (Lambda's remaining time)
     * @return the effect's result, or the stored result of an earlier run
     * @throws JobFailure.Permanent when the key was used with a different payload
     * @throws JobFailure.Retryable when another run holds the key right now
     */
    public String once(String key, String payload, Duration timeLeft, Supplier<String> effect) {
        String payloadHash = Hashing.sha256(payload);
        Instant now = clock.instant();
        Optional<IdempotencyRecord> holder = store.tryLock(key, payloadHash, now, now.plus(timeLeft), now.plus(keepFor));
        if (holder.isPresent()) {
            return duplicate(key, payloadHash, holder.get());
        }
        String result;
        try {
            result = effect.get();
        } catch (RuntimeException | Error failure) {
            store.release(key);
            throw failure;
        }
        store.complete(key, result == null ? "" : result, clock.instant().plus(keepFor));
        return result;
    }

    private static String duplicate(String key, String payloadHash, IdempotencyRecord existing) {
        if (!existing.payloadHash().equals(payloadHash)) {
            throw JobFailure.permanent("idempotency key " + key + " was already used with a different payload");
        }
        if (existing.status() == IdempotencyRecord.Status.IN_PROGRESS) {
            throw JobFailure.retryable("idempotency key " + key + " is being processed by another invocation");
        }
        return existing.result().orElse("");
    }
}
