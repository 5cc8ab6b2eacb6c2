package eventjobs.local.sources;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.template.EventProperties;
import eventjobs.local.template.SamTemplate;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Something that drives the template's functions the way an AWS trigger does: SQS mappings,
 * S3 notifications, API routes, schedules, DynamoDB stream mappings. One source runs every event of its {@link Kind} (one HTTP
 * server for all routes, one notification consumer for all buckets). It is created stopped,
 * {@link #start() started} once and {@link #close() closed} once; what goes wrong while it runs
 * (a poller error, an undeliverable record) goes to the {@link InvocationLog} as a problem, never
 * only to a console. Implementations are thread-safe.
 *
 * <p>A new kind of trigger is one class with a {@link Kind} and one line in {@link EventSources}.
 */
public interface EventSource extends AutoCloseable {

    /** Begins delivering events; returns once the source is listening or polling. */
    void start();

    /** Stops delivering; returns when nothing more will be delivered. Safe before {@link #start()}. */
    @Override
    void close();

    /** A function's event as its kind of source reads it from the template. */
    interface Event {
        String name();

        /** A cap on concurrent invocations that this event puts on its function (SQS ScalingConfig). */
        default OptionalInt maximumConcurrency() {
            return OptionalInt.empty();
        }
    }

    /** An event and the function it triggers. */
    record Subscription<E extends Event>(E event, FunctionTarget function) {}

    /**
     * A kind of trigger: how its events are read from the template (throwing
     * {@link eventjobs.local.template.TemplateException} for a mistake) and how all of them run
     * as one source.
     */
    record Kind<E extends Event>(Function<EventProperties, E> read,
                                 BiFunction<List<Subscription<E>>, Context, EventSource> create) {}

    /**
     * What a source may use: the provisioned template, the AWS endpoint and clients on it, the
     * log for invocations and problems, the clock, the port of the HTTP API, the faults its
     * deliveries suffer in chaos mode ({@link DeliveryFaults#NONE} otherwise), the AMQP port of the
     * local RabbitMQ broker (started only for MQ events), and the runtime's work directory (where a
     * source keeps what it runs itself, such as the Kafka broker's data).
     */
    record Context(SamTemplate template, EmbeddedAws aws, SqsClient sqs, S3Client s3, InvocationLog log, Clock clock,
                   Port apiPort, DeliveryFaults faults, Port amqpPort, Path workDirectory) {}

    /** Sources started and closed together, in order. */
    static EventSource all(List<? extends EventSource> sources) {
        return new EventSource() {
            @Override
            public void start() {
                sources.forEach(EventSource::start);
            }

            @Override
            public void close() {
                sources.forEach(EventSource::close);
            }
        };
    }
}
