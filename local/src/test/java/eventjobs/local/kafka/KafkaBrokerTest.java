package eventjobs.local.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-process broker: it starts on an empty data directory, takes records, hands them back, and stops. */
class KafkaBrokerTest {

    @TempDir
    Path dir;

    @Test
    void start_shouldServeProducersAndConsumers_andCreateTopicsWithTheirPartitions() throws Exception {
        Files.createDirectories(dir.resolve("kafka/leftover"));
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
            assertThat(dir.resolve("kafka/leftover")).doesNotExist();
            broker.createTopics(List.of("t"), 3);
            broker.createTopics(List.of("t"), 5); // exists: left as it is

            assertThat(broker.admin().describeTopics(Set.of("t")).allTopicNames().get().get("t").partitions()).hasSize(3);
            RecordMetadata sent;
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                sent = producer.send(new ProducerRecord<>("t", 2, "k", "v")).get();
            }
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()), new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition("t", 2)));
                consumer.seekToBeginning(List.of(new TopicPartition("t", 2)));
                for (int i = 0; i < 50 && received.isEmpty(); i++) {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                }
            }
            assertThat(sent.partition()).isEqualTo(2);
            assertThat(received).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("k");
                assertThat(r.value()).isEqualTo("v");
            });
        }
    }
}
