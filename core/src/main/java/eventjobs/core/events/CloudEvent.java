package eventjobs.core.events;

import tools.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A CloudEvents 1.0 event in structured JSON mode, as it travels in a message body.
 *
 * @param id     unique per event from {@code source}; consumers may use it to drop duplicates
 * @param source URI reference of what produced the event, e.g. {@code /orders-api}
 * @param data   the payload, valid against the type's schema
 */
public record CloudEvent(String id, String source, EventType type, Instant time, JsonNode data) {

    public static final String SPEC_VERSION = "1.0";
}
