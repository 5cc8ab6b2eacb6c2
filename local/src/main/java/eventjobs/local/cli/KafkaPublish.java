package eventjobs.local.cli;

import eventjobs.local.sources.KafkaSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * What {@code local/run publish --topic} does: records sent to a Kafka broker, each acknowledged by
 * it (acks=all) before the next, told as {@code topic-partition@offset}. Mistakes and a broker that
 * does not answer are {@link Main.UserError}s in one line.
 */
final class KafkaPublish {

    private final String bootstrapServers;

    KafkaPublish(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The address of the broker {@code local/run start} runs with this work directory. */
    static String runningBroker(Path workDirectory) {
        Path file = workDirectory.resolve(KafkaSource.BOOTSTRAP_FILE);
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new Main.UserError("no Kafka broker is running for --work-dir " + workDirectory + " (" + file + " is missing):"
                    + " local/run start runs one when the template has a SelfManagedKafka or MSK event; for"
                    + " StockMovementsFunction start with --parameter-overrides KafkaBootstrapServers=localhost:9092");
        }
    }

    /** Sends each value as a record; returns where each went. */
    List<String> send(String topic, Optional<Integer> partition, Optional<String> key, Map<String, String> headers,
                      List<String> values) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        List<String> sent = new ArrayList<>();
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition.orElse(null), key.orElse(null), value);
                headers.forEach((name, header) -> record.headers().add(name, header.getBytes(StandardCharsets.UTF_8)));
                RecordMetadata metadata = producer.send(record).get();
                sent.add(metadata.topic() + "-" + metadata.partition() + "@" + metadata.offset());
            }
            return sent;
        } catch (ExecutionException e) {
            throw new Main.UserError("the Kafka broker at " + bootstrapServers + " refused the record: " + e.getCause().getMessage());
        } catch (KafkaException e) {
            throw new Main.UserError("the Kafka broker at " + bootstrapServers + " does not answer (is local/run start still running?): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Main.UserError("interrupted while publishing to " + bootstrapServers);
        }
    }
}
