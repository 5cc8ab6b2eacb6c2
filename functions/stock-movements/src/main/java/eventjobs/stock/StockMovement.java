package eventjobs.stock;

import eventjobs.core.JobFailure;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One change of a SKU's stock, as the shop's producers put it on topic {@code stock-movements}:
 * {@code {"movementId": "mv-1001", "sku": "BOOK-001", "delta": -2}}. The movement id is the
 * producer's and names the movement once, whatever Kafka redelivers.
 *
 * @param movementId 1 to 128 letters, digits and {@code . _ : -}
 * @param sku        1 to 64 letters, digits and {@code . _ -}, starting with a letter or digit
 * @param delta      units added (positive) or taken (negative); never 0, at most {@value #MAX_DELTA} either way
 */
public record StockMovement(String movementId, String sku, long delta) {

    public static final long MAX_DELTA = 1_000_000;
    private static final Pattern MOVEMENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> FIELDS = Set.of("movementId", "sku", "delta");
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * Reads and checks a record's value.
     *
     * @throws JobFailure.Permanent saying what is wrong: retrying cannot make it a movement
     */
    public static StockMovement parse(String value) {
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (JacksonException e) {
            throw JobFailure.permanent("the value is not JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw JobFailure.permanent("the value is not a JSON object");
        }
        for (Iterator<String> names = node.propertyNames().iterator(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw JobFailure.permanent("unknown field " + name + " (a movement has movementId, sku, delta)");
            }
        }
        String movementId = text(node, "movementId", MOVEMENT_ID, "1 to 128 letters, digits and . _ : -");
        String sku = text(node, "sku", SKU, "1 to 64 letters, digits and . _ -, starting with a letter or digit");
        JsonNode delta = node.get("delta");
        if (delta == null || !delta.isIntegralNumber() || !delta.canConvertToLong()) {
            throw JobFailure.permanent("delta must be a whole number, was " + (delta == null ? "missing" : delta));
        }
        long units = delta.asLong();
        if (units == 0 || Math.abs(units) > MAX_DELTA) {
            throw JobFailure.permanent("delta must be from -" + MAX_DELTA + " to " + MAX_DELTA + " and not 0, was " + units);
        }
        return new StockMovement(movementId, sku, units);
    }

    private static String text(JsonNode node, String field, Pattern pattern, String rule) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw JobFailure.permanent(field + " must be a string, was " + (value == null ? "missing" : value));
        }
        if (!pattern.matcher(value.asString()).matches()) {
            throw JobFailure.permanent(field + " must be " + rule + ", was \"" + value.asString() + "\"");
        }
        return value.asString();
    }
}
