package eventjobs.core.events;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import eventjobs.core.JobFailure;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes and reads CloudEvents envelopes, validating each against the JSON Schema of its type
 * (loaded once from the classpath, {@code eventjobs/schemas/<schema>.json}; a schema refers to
 * another, such as {@code currency}, by its id {@code urn:eventjobs:schema:<schema>}). Producers call
 * {@link #encode} and never send an invalid event; consumers call {@link #decode} and turn an
 * event that can never be valid into a {@link JobFailure.Permanent}. Thread-safe.
 */
public final class EventCodec {

    private static final JsonMapper JSON = JsonMapper.shared();
    /** Reads message bodies: a key given twice is refused, not "last one wins" (which hides a producer bug). */
    private static final JsonMapper STRICT = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final String SCHEMA_ID_PREFIX = "urn:eventjobs:schema:";
    private static final String SCHEMA_DIRECTORY = "eventjobs/schemas/";

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaIdResolvers(resolvers -> resolvers.mappings(id -> id.startsWith(SCHEMA_ID_PREFIX)
                    ? "classpath:" + SCHEMA_DIRECTORY + id.substring(SCHEMA_ID_PREFIX.length()) + ".json" : null)));
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    /**
     * Serializes an event after checking it against its schema.
     *
     * @throws InvalidEvent when the event breaks its schema (a bug or unchecked input upstream)
     */
    public String encode(CloudEvent event) {
        ObjectNode envelope = JSON.createObjectNode()
                .put("specversion", CloudEvent.SPEC_VERSION)
                .put("id", event.id())
                .put("source", event.source())
                .put("type", event.type().type())
                .put("time", event.time().toString())
                .put("datacontenttype", "application/json")
                .put("dataschema", event.type().dataschema());
        envelope.set("data", event.data());
        List<Violation> violations = violations(event.type(), envelope);
        if (!violations.isEmpty()) {
            throw new InvalidEvent(event.type(), violations);
        }
        return JSON.writeValueAsString(envelope);
    }

    /**
     * Parses and validates a message body that must be an event of {@code expected}.
     *
     * @throws JobFailure.Permanent when the body is not JSON, not that type and version, or breaks the schema
     */
    public CloudEvent decode(String body, EventType expected) {
        JsonNode envelope;
        try {
            envelope = STRICT.readTree(body);
        } catch (JacksonException e) {
            throw JobFailure.permanent("message body is not JSON: " + e.getOriginalMessage());
        }
        if (envelope == null || !envelope.isObject()) {
            throw JobFailure.permanent("message body is not a JSON object, so not a CloudEvent");
        }
        String type = envelope.path("type").asString("");
        String dataschema = envelope.path("dataschema").asString("");
        if (!expected.type().equals(type) || !expected.dataschema().equals(dataschema)) {
            throw JobFailure.permanent("expected an event of type " + expected.type() + " with dataschema "
                    + expected.dataschema() + " but got type '" + type + "' with dataschema '" + dataschema + "'");
        }
        List<Violation> violations = violations(expected, envelope);
        if (!violations.isEmpty()) {
            throw JobFailure.permanent(new InvalidEvent(expected, violations).getMessage());
        }
        try {
            return new CloudEvent(envelope.get("id").asString(), envelope.get("source").asString(), expected,
                    Instant.parse(envelope.get("time").asString()), envelope.get("data"));
        } catch (DateTimeParseException e) {
            throw JobFailure.permanent("event time is not an RFC 3339 timestamp: " + envelope.get("time"));
        }
    }

    /**
     * Every way {@code data} breaks the data part of the schema of {@code type}, with fields
     * relative to the data; empty when it is valid. Producers check client input with this.
     */
    public List<Violation> dataViolations(EventType type, JsonNode data) {
        ObjectNode probe = JSON.createObjectNode()
                .put("specversion", CloudEvent.SPEC_VERSION)
                .put("id", "probe")
                .put("source", "/probe")
                .put("type", type.type())
                .put("time", Instant.EPOCH.toString())
                .put("dataschema", type.dataschema());
        probe.set("data", data);
        return violations(type, probe).stream()
                .map(v -> new Violation(v.field().startsWith("/data") ? v.field().substring("/data".length()) : v.field(),
                        v.message()))
                .toList();
    }

    /** Every way {@code document} breaks the schema of {@code type}; empty when it is valid. */
    public List<Violation> violations(EventType type, JsonNode document) {
        List<Error> errors = schema(type).validate(document);
        return errors.stream()
                .map(error -> new Violation(pointer(error), message(error)))
                .toList();
    }

    private Schema schema(EventType type) {
        return schemas.computeIfAbsent(type.schema(), name -> {
            String path = SCHEMA_DIRECTORY + name + ".json";
            try (InputStream in = EventCodec.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("no schema on the classpath at " + path);
                }
                return registry.getSchema(JSON.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read schema " + path, e);
            }
        });
    }

    private static String pointer(Error error) {
        var path = error.getInstanceLocation();
        StringBuilder pointer = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            pointer.append('/').append(element.toString().replace("~", "~0").replace("/", "~1"));
        }
        // "required" and "additionalProperties" point at the object; name the property itself.
        if (error.getProperty() != null && ("required".equals(error.getKeyword())
                || "additionalProperties".equals(error.getKeyword()))) {
            pointer.append('/').append(error.getProperty());
        }
        return pointer.toString();
    }

    private static String message(Error error) {
        String message = error.getMessage();
        // The library prefixes its messages with the instance location; the field says that already.
        int separator = message.indexOf(": ");
        return separator > 0 && message.startsWith("$") ? message.substring(separator + 2) : message;
    }
}
