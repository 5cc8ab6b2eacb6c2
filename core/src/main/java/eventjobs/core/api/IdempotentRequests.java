package eventjobs.core.api;

import eventjobs.core.Hashing;
import eventjobs.core.events.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The shared rules of a POST that honours an {@code Idempotency-Key}: the id of what it creates
 * is derived from the caller and the key, so a retry finds the first request's record; the
 * record keeps a hash of the body, so the same key with another body is told apart and refused
 * with {@link #keyReused()}. What a replay does (answer as before, finish what failed) stays
 * with each request. Stateless and thread-safe.
 */
public final class IdempotentRequests {

    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .build();

    private IdempotentRequests() {}

    /**
     * The id of what the request creates: a name-based UUID of {@code scope}, {@code caller} and
     * the key, so two callers' keys never collide; a random one without a key.
     *
     * @param scope text that keeps the ids of different requests apart (may be empty)
     */
    public static String id(String scope, Optional<String> idempotencyKey, String caller) {
        return idempotencyKey
                .map(key -> UUID.nameUUIDFromBytes((scope + caller + "\n" + key).getBytes(StandardCharsets.UTF_8)))
                .orElseGet(UUID::randomUUID)
                .toString();
    }

    /** SHA-256 of the body with its properties sorted, so the order a client writes them in does not matter. */
    public static String bodyHash(JsonNode body) {
        return Hashing.sha256(CANONICAL.writeValueAsString(body));
    }

    /** The 422 for a key that comes back with another body. */
    public static ApiError keyReused() {
        return new ApiError(422, "this Idempotency-Key was already used with a different request body",
                List.of(new Violation("/", "send the original body, or use a new Idempotency-Key")));
    }
}
