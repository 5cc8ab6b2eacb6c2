package eventjobs.local.sources;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.LongString;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The event Lambda sends for a batch from an Amazon MQ for RabbitMQ queue
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html">AWS docs</a>): {@code eventSource}
 * {@code aws:rmq}, the broker's ARN, and {@code rmqMessagesByQueue} keyed {@code <queue>::<vhost>},
 * each message with its {@code basicProperties} (absent ones null, string headers as
 * {@code {"bytes": [...]}}, the timestamp written as in AWS's sample), {@code redelivered} and the
 * body in base64 {@code data}.
 */
final class RmqEventJson {

    /** A message as the mapping received it. */
    record Message(Envelope envelope, AMQP.BasicProperties properties, byte[] body) {}

    /** AWS writes the timestamp like this: "Jan 1, 1970, 12:33:41 AM". */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("MMM d, yyyy, h:mm:ss a", Locale.US).withZone(ZoneOffset.UTC);
    private static final JsonMapper JSON = JsonMapper.shared();

    private RmqEventJson() {}

    static byte[] event(String brokerArn, String queue, String virtualHost, List<Message> messages) {
        ObjectNode event = JSON.createObjectNode().put("eventSource", "aws:rmq").put("eventSourceArn", brokerArn);
        ArrayNode list = event.putObject("rmqMessagesByQueue").putArray(queue + "::" + virtualHost);
        for (Message message : messages) {
            ObjectNode item = list.addObject();
            item.set("basicProperties", properties(message.properties(), message.body().length));
            item.put("redelivered", message.envelope().isRedeliver());
            item.put("data", Base64.getEncoder().encodeToString(message.body()));
        }
        return JSON.writeValueAsBytes(event);
    }

    private static ObjectNode properties(AMQP.BasicProperties p, int bodySize) {
        ObjectNode node = JSON.createObjectNode();
        node.put("contentType", p.getContentType());
        node.put("contentEncoding", p.getContentEncoding());
        if (p.getHeaders() == null) {
            node.putNull("headers");
        } else {
            node.set("headers", table(p.getHeaders()));
        }
        node.put("deliveryMode", p.getDeliveryMode());
        node.put("priority", p.getPriority());
        node.put("correlationId", p.getCorrelationId());
        node.put("replyTo", p.getReplyTo());
        node.put("expiration", p.getExpiration());
        node.put("messageId", p.getMessageId());
        node.put("timestamp", p.getTimestamp() == null ? null : TIMESTAMP.format(p.getTimestamp().toInstant()));
        node.put("type", p.getType());
        node.put("userId", p.getUserId());
        node.put("appId", p.getAppId());
        node.put("clusterId", p.getClusterId());
        node.put("bodySize", bodySize);
        return node;
    }

    private static ObjectNode table(Map<String, Object> headers) {
        ObjectNode node = JSON.createObjectNode();
        headers.forEach((name, value) -> node.set(name, JSON.valueToTree(value(value))));
        return node;
    }

    /** A header value as Lambda writes it: strings (AMQP long strings) as their bytes. */
    private static Object value(Object value) {
        return switch (value) {
            case null -> null;
            case LongString text -> Map.of("bytes", bytes(text.getBytes()));
            case String text -> Map.of("bytes", bytes(text.getBytes(StandardCharsets.UTF_8)));
            case byte[] raw -> Map.of("bytes", bytes(raw));
            case Date date -> date.getTime() / 1000;
            case Map<?, ?> map -> {
                Map<String, Object> nested = new java.util.LinkedHashMap<>();
                map.forEach((k, v) -> nested.put(String.valueOf(k), value(v)));
                yield nested;
            }
            case List<?> items -> items.stream().map(RmqEventJson::value).toList();
            default -> value;
        };
    }

    private static List<Integer> bytes(byte[] raw) {
        Integer[] values = new Integer[raw.length];
        for (int i = 0; i < raw.length; i++) {
            values[i] = (int) raw[i];
        }
        return List.of(values);
    }
}
