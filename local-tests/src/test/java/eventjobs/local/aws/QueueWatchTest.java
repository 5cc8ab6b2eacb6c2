package eventjobs.local.aws;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The lag and the messages of a queue, read from ElasticMQ in-process (issue 12): nothing is received. */
class QueueWatchTest {

    private static EmbeddedAws aws;
    private static SqsClient sqs;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start(0);
        sqs = aws.sqs();
    }

    @AfterAll
    static void stop() {
        sqs.close();
        aws.close();
    }

    @Test
    void oldestSent_shouldBeTheSentTimestamp_andReadingItShouldNotCountAsAReceive() {
        Queues.Queue dlq = new Queues(sqs).create("watch-dlq", Map.of());
        Queues.Queue queue = new Queues(sqs).createWithRedrive("watch", dlq, 1, 30);
        QueueWatch watch = aws.queueWatch().orElseThrow();
        Instant before = Instant.now();
        sqs.sendMessage(r -> r.queueUrl(queue.url()).messageBody("first").messageAttributes(Map.of("failure-reason",
                MessageAttributeValue.builder().dataType("String").stringValue("why it was parked").build())));
        sqs.sendMessage(r -> r.queueUrl(queue.url()).messageBody("second"));

        await().until(() -> watch.messages("watch").size() == 2);
        // looked at many times: with maxReceiveCount 1, a single receive would park the message at the next one
        for (int look = 0; look < 5; look++) {
            assertThat(watch.oldestSent("watch", Instant.now())).isPresent();
        }
        List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(1)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();

        assertThat(received).hasSize(2).allSatisfy(m -> assertThat(m.attributes()
                .get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("1"));
        Message first = received.stream().filter(m -> m.body().equals("first")).findFirst().orElseThrow();
        Instant sent = Instant.ofEpochMilli(Long.parseLong(first.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP)));
        assertThat(sent).isAfterOrEqualTo(before.minusMillis(1));
        // in flight now: they still count, as CloudWatch counts every message not deleted
        await().untilAsserted(() -> assertThat(watch.messages("watch")).allSatisfy(m -> {
            assertThat(m.receiveCount()).isEqualTo(1);
            assertThat(m.inFlight(Instant.now())).isTrue();
        }));
        assertThat(watch.oldestSent("watch", Instant.now())).isPresent().get()
                .satisfies(oldest -> assertThat(oldest.toEpochMilli()).isLessThanOrEqualTo(sent.toEpochMilli()));
        assertThat(watch.messages("watch")).filteredOn(m -> m.body().equals("first")).singleElement()
                .satisfies(m -> assertThat(m.attributes()).containsEntry("failure-reason", "why it was parked"));

        received.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(queue.url()).receiptHandle(m.receiptHandle())));

        await().until(() -> watch.messages("watch").isEmpty());
        assertThat(watch.oldestSent("watch", Instant.now())).isEmpty();
    }

    @Test
    void queuesPage_shouldGiveEachQueuesAge_inJson() throws Exception {
        Queues.Queue queue = new Queues(sqs).create("watch-page", Map.of());
        sqs.sendMessage(r -> r.queueUrl(queue.url()).messageBody("waiting"));
        await().until(() -> !aws.queueWatch().orElseThrow().messages("watch-page").isEmpty());

        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(aws.endpoint().resolve("/_eventjobs/queues"))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(aws.endpoint().resolve("/_eventjobs/queues"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        JsonNode entry = null;
        for (JsonNode q : JsonMapper.shared().readTree(page.body()).get("queues")) {
            if (q.get("name").asString().equals("watch-page")) {
                entry = q;
            }
        }
        assertThat(entry).as(page.body()).isNotNull();
        assertThat(entry.get("visible").asInt()).isEqualTo(1);
        assertThat(entry.get("ageOfOldestMessageSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(entry.has("oldestSentAt")).isTrue();
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(JsonMapper.shared().readTree(post.body()).get("error").asString()).contains("GET");
    }
}
