package eventjobs.testkit;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import eventjobs.local.sources.SqsEventJson;
import software.amazon.awssdk.services.sqs.model.Message;

import java.io.ByteArrayInputStream;
import java.util.List;

/**
 * The {@link SQSEvent} a handler receives for messages an SQS event source mapping delivers:
 * the local runtime's event JSON read through the serializers of Lambda's Java runtime.
 * Receive with {@code messageSystemAttributeNames(ALL)} and {@code messageAttributeNames("All")}.
 */
public final class SqsEvents {

    private SqsEvents() {}

    public static SQSEvent toLambdaEvent(List<Message> messages, String queueArn, String region) {
        byte[] json = SqsEventJson.event(messages, queueArn, region);
        return LambdaEventSerializers.serializerFor(SQSEvent.class, SqsEvents.class.getClassLoader())
                .fromJson(new ByteArrayInputStream(json));
    }
}
