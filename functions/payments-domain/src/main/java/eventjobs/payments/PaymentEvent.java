package eventjobs.payments;

import eventjobs.core.events.CloudEvent;
import eventjobs.core.events.EventType;
import tools.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A payment provider's webhook event, as the provider signed it: the data of an
 * {@code eventjobs.payment.received} event ({@code events/schemas/payment-event.v1.json},
 * {@code $defs/providerEvent}). The whole event travels on PaymentsQueue unchanged, so the worker
 * reads exactly what was verified.
 *
 * @param id            the provider's event id, the same on each retry of the event
 * @param type          what happened, e.g. {@value #CAPTURED}
 * @param created       when the provider created it
 * @param providerEvent the event as received, every field included
 */
public record PaymentEvent(String id, String type, Instant created, JsonNode providerEvent) {

    public static final EventType TYPE = new EventType("eventjobs.payment.received", "payment-event.v1");

    /** A payment was captured: the one type the worker applies. */
    public static final String CAPTURED = "payment.captured";

    /** Reads a provider event that already passed the schema. */
    public static PaymentEvent fromData(JsonNode providerEvent) {
        return new PaymentEvent(providerEvent.get("id").asString(), providerEvent.get("type").asString(),
                Instant.ofEpochSecond(providerEvent.get("created").asLong()), providerEvent);
    }

    /**
     * This event for PaymentsQueue, from {@code source}. The envelope's id is derived from the
     * provider's, so the same provider event always makes the same envelope id.
     */
    public CloudEvent event(String source, Instant time) {
        return new CloudEvent("payment-" + id, source, TYPE, time, providerEvent);
    }
}
