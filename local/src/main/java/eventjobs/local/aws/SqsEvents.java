package eventjobs.local.aws;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns received SQS messages into the event Lambda's SQS event source mapping delivers
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html">AWS docs</a>).
 * Receive with {@code messageSystemAttributeNames(ALL)} and {@code messageAttributeNames("All")}.
 */
public final class SqsEvents {

    private SqsEvents() {}

    public static SQSEvent toLambdaEvent(List<Message> messages, String queueArn, String region) {
        SQSEvent event = new SQSEvent();
        event.setRecords(messages.stream().map(message -> record(message, queueArn, region)).toList());
        return event;
    }

    private static SQSEvent.SQSMessage record(Message message, String queueArn, String region) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(message.messageId());
        record.setReceiptHandle(message.receiptHandle());
        record.setBody(message.body());
        record.setMd5OfBody(message.md5OfBody());
        record.setMd5OfMessageAttributes(message.md5OfMessageAttributes());
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<MessageSystemAttributeName, String> entry : message.attributes().entrySet()) {
            attributes.put(entry.getKey().toString(), entry.getValue());
        }
        record.setAttributes(attributes);
        Map<String, SQSEvent.MessageAttribute> messageAttributes = new LinkedHashMap<>();
        for (Map.Entry<String, MessageAttributeValue> entry : message.messageAttributes().entrySet()) {
            SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
            attribute.setDataType(entry.getValue().dataType());
            attribute.setStringValue(entry.getValue().stringValue());
            if (entry.getValue().binaryValue() != null) {
                attribute.setBinaryValue(entry.getValue().binaryValue().asByteBuffer());
            }
            messageAttributes.put(entry.getKey(), attribute);
        }
        record.setMessageAttributes(messageAttributes);
        record.setEventSource("aws:sqs");
        record.setEventSourceArn(queueArn);
        record.setAwsRegion(region);
        return record;
    }
}
