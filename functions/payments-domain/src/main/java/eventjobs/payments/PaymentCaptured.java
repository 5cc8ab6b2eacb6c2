package eventjobs.payments;

import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;

/**
 * A {@value PaymentEvent#CAPTURED} event: the provider took {@code amount} {@code currency} for an
 * order. The schema ({@code $defs/captured}) guarantees every field and the amount's form.
 *
 * @param eventId   the provider's event id
 * @param paymentId the provider's payment id
 * @param orderId   the order paid for
 * @param amount    the amount captured, in {@code currency}'s units
 * @param currency  ISO 4217 code as the provider sent it (not checked against a list: the worker
 *                  compares it with the order's)
 */
public record PaymentCaptured(String eventId, String paymentId, String orderId, BigDecimal amount, String currency) {

    /**
     * @throws IllegalArgumentException when {@code event} is of another type
     */
    public static PaymentCaptured from(PaymentEvent event) {
        if (!PaymentEvent.CAPTURED.equals(event.type())) {
            throw new IllegalArgumentException("event " + event.id() + " is a " + event.type() + ", not a " + PaymentEvent.CAPTURED);
        }
        JsonNode data = event.providerEvent().get("data");
        return new PaymentCaptured(event.id(), data.get("paymentId").asString(), data.get("orderId").asString(),
                new BigDecimal(data.get("amount").asString()), data.get("currency").asString());
    }
}
