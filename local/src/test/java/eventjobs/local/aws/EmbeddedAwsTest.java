package eventjobs.local.aws;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedAwsTest {

    private final EmbeddedAws aws = EmbeddedAws.shared();

    @Test
    void reset_shouldDeleteEveryQueueAndTable() {
        try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb()) {
            new Queues(sqs).create("leftover", Map.of());
            new Tables(dynamo).createWithStringKey("Leftover", "id");

            aws.reset();

            assertThat(sqs.listQueues().queueUrls()).isEmpty();
            assertThat(dynamo.listTables().tableNames()).isEmpty();
        }
    }

    @Test
    void sqs_shouldMoveMessageToDeadLetterQueue_whenReceivedMoreThanMaxReceiveCount() {
        aws.reset();
        try (SqsClient sqs = aws.sqs()) {
            Queues queues = new Queues(sqs);
            Queues.Queue dlq = queues.create("work-dlq", Map.of());
            Queues.Queue work = queues.createWithRedrive("work", dlq, 2, 0);
            sqs.sendMessage(r -> r.queueUrl(work.url()).messageBody("poison"));

            // visibility timeout 0: every receive makes the message visible again at once
            for (int receive = 1; receive <= 2; receive++) {
                assertThat(sqs.receiveMessage(r -> r.queueUrl(work.url()).waitTimeSeconds(1)).messages()).hasSize(1);
            }
            List<Message> third = sqs.receiveMessage(r -> r.queueUrl(work.url()).waitTimeSeconds(1)).messages();
            List<Message> parked = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();

            assertThat(third).isEmpty();
            assertThat(parked).extracting(Message::body).containsExactly("poison");
            assertThat(work.arn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:work");
            assertThat(sqs.getQueueAttributes(r -> r.queueUrl(work.url()).attributeNames(QueueAttributeName.REDRIVE_POLICY))
                    .attributes().get(QueueAttributeName.REDRIVE_POLICY)).contains(dlq.arn());
        }
    }
}
