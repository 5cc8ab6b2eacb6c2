package eventjobs.local.aws;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Items in DynamoDB's JSON ({@code {"name":{"S":"x"}}}), the form the DynamoDB API, stream records
 * and Lambda's DynamoDB events use; binary values are base64. Stateless and thread-safe.
 */
public final class DynamoJson {

    private static final JsonMapper JSON = JsonMapper.shared();

    private DynamoJson() {}

    /** An item (or a key, or an image) as DynamoDB JSON. */
    public static ObjectNode toJson(Map<String, AttributeValue> item) {
        ObjectNode node = JSON.createObjectNode();
        item.forEach((name, value) -> node.set(name, toJson(value)));
        return node;
    }

    private static JsonNode toJson(AttributeValue value) {
        ObjectNode node = JSON.createObjectNode();
        switch (value.type()) {
            case S -> node.put("S", value.s());
            case N -> node.put("N", value.n());
            case B -> node.put("B", value.b().asByteArray());
            case BOOL -> node.put("BOOL", value.bool());
            case NUL -> node.put("NULL", true);
            case SS -> value.ss().forEach(node.putArray("SS")::add);
            case NS -> value.ns().forEach(node.putArray("NS")::add);
            case BS -> value.bs().forEach(b -> node.withArray("BS").add(b.asByteArray()));
            case L -> value.l().forEach(v -> node.withArray("L").add(toJson(v)));
            case M -> node.set("M", toJson(value.m()));
            default -> throw new IllegalArgumentException("unknown DynamoDB type " + value.type());
        }
        return node;
    }

    /**
     * An item from DynamoDB JSON.
     *
     * @throws IllegalArgumentException for a value of no DynamoDB type
     */
    public static Map<String, AttributeValue> fromJson(JsonNode item) {
        Map<String, AttributeValue> values = new LinkedHashMap<>();
        item.properties().forEach(e -> values.put(e.getKey(), attribute(e.getValue())));
        return values;
    }

    private static AttributeValue attribute(JsonNode node) {
        var field = node.properties().iterator().next();
        JsonNode v = field.getValue();
        return switch (field.getKey()) {
            case "S" -> AttributeValue.fromS(v.asString());
            case "N" -> AttributeValue.fromN(v.asString());
            case "B" -> AttributeValue.fromB(SdkBytes.fromByteArray(v.binaryValue()));
            case "BOOL" -> AttributeValue.fromBool(v.asBoolean());
            case "NULL" -> AttributeValue.fromNul(true);
            case "SS" -> AttributeValue.fromSs(strings(v));
            case "NS" -> AttributeValue.fromNs(strings(v));
            case "BS" -> AttributeValue.fromBs(v.valueStream().map(b -> SdkBytes.fromByteArray(b.binaryValue())).toList());
            case "L" -> AttributeValue.fromL(v.valueStream().map(DynamoJson::attribute).toList());
            case "M" -> AttributeValue.fromM(fromJson(v));
            default -> throw new IllegalArgumentException("unknown DynamoDB type " + field.getKey());
        };
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }
}
