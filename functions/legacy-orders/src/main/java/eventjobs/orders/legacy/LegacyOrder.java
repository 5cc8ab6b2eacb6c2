package eventjobs.orders.legacy;

import eventjobs.core.JobFailure;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * An order command as the legacy shop publishes it on RabbitMQ: the body is the JSON of a
 * {@code POST /orders} request ({@code customerId}, {@code currency}, {@code lines}) and the AMQP
 * {@code message-id} property is the command's identity, used as the order's idempotency key.
 *
 * @param source    where it was read, {@code <queue>::<vhost>}: part of the order id, so two queues' ids never collide
 * @param messageId the AMQP message id
 * @param body      the parsed body
 */
public record LegacyOrder(String source, String messageId, JsonNode body) {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final int MAX_MESSAGE_ID_LENGTH = 128;

    /**
     * Reads one message of the {@code aws:rmq} event.
     *
     * @param data base64, as Lambda delivers the body
     * @throws JobFailure.Permanent when it has no message id, or its body is not JSON
     */
    public static LegacyOrder read(String source, Optional<String> messageId, String data) {
        String id = messageId.filter(value -> !value.isBlank()).orElseThrow(() -> JobFailure.permanent(
                "the message has no message-id property: the legacy shop's command id is the order's idempotency key"));
        if (id.length() > MAX_MESSAGE_ID_LENGTH) {
            throw JobFailure.permanent("the message-id is longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
        }
        byte[] body;
        try {
            body = Base64.getDecoder().decode(data == null ? "" : data);
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent("the message data is not base64", e);
        }
        try {
            return new LegacyOrder(source, id, JSON.readTree(new String(body, StandardCharsets.UTF_8)));
        } catch (JacksonException e) {
            throw JobFailure.permanent("the message body is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
