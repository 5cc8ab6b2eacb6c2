package eventjobs.testkit;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import eventjobs.local.aws.EmbeddedAws;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SqsEventsTest {

    private final EmbeddedAws aws = LocalAws.shared();

    @Test
    void toLambdaEvent_shouldCarryWhatTheMappingDelivers_whenReadThroughLambdasSerializer() {
        try (SqsClient sqs = aws.sqs()) {
            String url = sqs.createQueue(r -> r.queueName("sqs-events-test")).queueUrl();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"a\":1}")
                    .messageAttributes(java.util.Map.of("kind", MessageAttributeValue.builder()
                            .dataType("String").stringValue("order").build())));
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();

            SQSEvent event = SqsEvents.toLambdaEvent(messages, "arn:aws:sqs:us-east-1:000000000000:sqs-events-test", "us-east-1");

            SQSEvent.SQSMessage record = event.getRecords().getFirst();
            assertThat(record.getMessageId()).isEqualTo(messages.getFirst().messageId());
            assertThat(record.getBody()).isEqualTo("{\"a\":1}");
            assertThat(record.getAttributes()).containsEntry("ApproximateReceiveCount", "1");
            assertThat(record.getMessageAttributes().get("kind").getStringValue()).isEqualTo("order");
            assertThat(record.getEventSourceArn()).endsWith(":sqs-events-test");
            assertThat(record.getEventSource()).isEqualTo("aws:sqs");
        }
    }
}
