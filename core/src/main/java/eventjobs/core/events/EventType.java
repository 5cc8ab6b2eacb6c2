package eventjobs.core.events;

/**
 * A kind of event that crosses a queue: its CloudEvents {@code type} and the versioned JSON
 * Schema in {@code events/schemas/<schema>.json} that every instance must satisfy.
 *
 * @param type   CloudEvents type, e.g. {@code eventjobs.order.placed}
 * @param schema schema file name without {@code .json}, e.g. {@code order-placed.v1}
 */
public record EventType(String type, String schema) {

    /** The CloudEvents {@code dataschema} URI of this type and version. */
    public String dataschema() {
        return "urn:eventjobs:schema:" + schema;
    }
}
