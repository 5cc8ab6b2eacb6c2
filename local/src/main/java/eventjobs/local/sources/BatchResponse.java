package eventjobs.local.sources;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a partial batch response the way Lambda does
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting">AWS docs</a>):
 * an empty or null response, or an empty or null {@code batchItemFailures}, means every message
 * succeeded; an identifier that is empty, null or not in the batch, or a response that cannot be
 * read, fails the whole batch.
 */
final class BatchResponse {

    private static final JsonMapper JSON = JsonMapper.shared();

    private BatchResponse() {}

    /** The ids to keep, or empty when the whole batch must be treated as failed. */
    static Optional<Set<String>> failedIds(byte[] response, Set<String> batchIds) {
        String text = new String(response, java.nio.charset.StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.equals("null")) {
            return Optional.of(Set.of());
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        if (!root.isObject()) {
            return Optional.empty();
        }
        JsonNode failures = root.get("batchItemFailures");
        if (failures == null || failures.isNull()) {
            return Optional.of(Set.of());
        }
        if (!failures.isArray()) {
            return Optional.empty();
        }
        Set<String> ids = new HashSet<>();
        for (JsonNode failure : failures) {
            JsonNode id = failure == null ? null : failure.get("itemIdentifier");
            if (id == null || !id.isString() || id.asString().isEmpty() || !batchIds.contains(id.asString())) {
                return Optional.empty();
            }
            ids.add(id.asString());
        }
        return Optional.of(ids);
    }
}
