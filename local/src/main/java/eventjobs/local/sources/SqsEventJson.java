package eventjobs.local.sources;

import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The event an SQS event source mapping delivers, byte for byte in AWS's shape
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event">AWS docs</a>).
 */
public final class SqsEventJson {

    private static final JsonMapper JSON = JsonMapper.shared();

    private SqsEventJson() {}

    public static byte[] event(List<Message> messages, String queueArn, String region) {
        ObjectNode event = JSON.createObjectNode();
        ArrayNode records = event.putArray("Records");
        for (Message message : messages) {
            ObjectNode record = records.addObject();
            record.put("messageId", message.messageId());
            record.put("receiptHandle", message.receiptHandle());
            record.put("body", message.body());
            ObjectNode attributes = record.putObject("attributes");
            for (Map.Entry<MessageSystemAttributeName, String> entry : message.attributes().entrySet()) {
                attributes.put(entry.getKey().toString(), entry.getValue());
            }
            ObjectNode messageAttributes = record.putObject("messageAttributes");
            for (Map.Entry<String, MessageAttributeValue> entry : message.messageAttributes().entrySet()) {
                ObjectNode value = messageAttributes.putObject(entry.getKey());
                MessageAttributeValue attribute = entry.getValue();
                if (attribute.stringValue() != null) {
                    value.put("stringValue", attribute.stringValue());
                }
                if (attribute.binaryValue() != null) {
                    value.put("binaryValue", Base64.getEncoder().encodeToString(attribute.binaryValue().asByteArray()));
                }
                value.putArray("stringListValues");
                value.putArray("binaryListValues");
                value.put("dataType", attribute.dataType());
            }
            record.put("md5OfBody", message.md5OfBody());
            if (message.md5OfMessageAttributes() != null) {
                record.put("md5OfMessageAttributes", message.md5OfMessageAttributes());
            }
            record.put("eventSource", "aws:sqs");
            record.put("eventSourceARN", queueArn);
            record.put("awsRegion", region);
        }
        return JSON.writeValueAsString(event).getBytes(StandardCharsets.UTF_8);
    }
}
