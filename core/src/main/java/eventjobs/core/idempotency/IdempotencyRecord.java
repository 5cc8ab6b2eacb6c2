package eventjobs.core.idempotency;

import java.time.Instant;
import java.util.Optional;

/**
 * What the store holds for one idempotency key.
 *
 * @param inProgressUntil while IN_PROGRESS, when the run holding the key is presumed dead
 *                        (the end of its invocation); after that another run may take the key
 * @param expiresAt       when the record stops counting (and DynamoDB's TTL removes it)
 */
public record IdempotencyRecord(String key, Status status, String payloadHash, Optional<String> result,
                                Instant inProgressUntil, Instant expiresAt) {

    public enum Status { IN_PROGRESS, COMPLETED }
}
