package eventjobs.core.idempotency;

import java.time.Instant;
import java.util.Optional;

/**
 * Storage for guarded idempotency. Every method is one conditional write; implementations are
 * thread-safe and take time as arguments so callers (and tests) decide what "now" is.
 */
public interface IdempotencyStore {

    /**
     * Takes {@code key} for a run: succeeds when no record exists, the record has expired, or
     * it is IN_PROGRESS past its {@code inProgressUntil}.
     *
     * @return empty when the key was taken; otherwise the record that holds it
     */
    Optional<IdempotencyRecord> tryLock(String key, String payloadHash, Instant now,
                                        Instant inProgressUntil, Instant expiresAt);

    /** Marks the run as done and keeps its result for duplicates until {@code expiresAt}. */
    void complete(String key, String result, Instant expiresAt);

    /** Gives the key back after a failed run so a retry may take it; a COMPLETED record is kept. */
    void release(String key);
}
