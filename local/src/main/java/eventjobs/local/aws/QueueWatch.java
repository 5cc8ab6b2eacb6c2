package eventjobs.local.aws;

import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.elasticmq.MessageAttribute;
import org.elasticmq.NumberMessageAttribute;
import org.elasticmq.StringMessageAttribute;
import org.elasticmq.actor.queue.InternalMessage;
import org.elasticmq.actor.queue.OperationSuccessful$;
import org.elasticmq.actor.queue.QueueEvent;
import scala.jdk.javaapi.CollectionConverters;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the embedded ElasticMQ holds, seen from inside this process: each message of each queue
 * with the time it was sent, when it is next visible and how often it was received. SQS has no
 * API that looks at a message without receiving it (a receive, even with a visibility timeout of
 * 0, counts towards the queue's {@code maxReceiveCount}), and the age of the oldest message is a
 * CloudWatch metric, not a queue attribute; this answers both without touching a queue.
 *
 * <p>It is kept current by ElasticMQ's queue event listener, the hook its own persistence uses:
 * every send, receive, visibility change, move to a dead-letter queue and delete reaches it, in
 * the order the queue's actor made them. ElasticMQ waits for each event to be acknowledged, so
 * the listener only copies a few fields and answers at once. A purge ({@code PurgeQueue}) sends
 * no event per message: after one, {@link #messages} may list messages that are gone until they
 * would be received; depths always come from SQS itself.
 *
 * <p>Thread-safe.
 */
public final class QueueWatch {

    /** Bodies longer than this are cut in what is kept (a console shows a part, not a 256 KB body). */
    static final int BODY_CHARS = 4096;

    /**
     * One message as the queue holds it.
     *
     * @param sent             SQS's {@code SentTimestamp}
     * @param visibleFrom      when it can be received next (after a delay, or when its visibility timeout ends)
     * @param receiveCount     SQS's {@code ApproximateReceiveCount}
     * @param body             the body, at most {@value #BODY_CHARS} characters
     * @param attributes       the string and number message attributes
     * @param deadLetterSource the queue it was moved from by a redrive policy, if it was
     */
    public record Message(String id, Instant sent, Instant visibleFrom, int receiveCount, String body,
                          Map<String, String> attributes, Optional<String> deadLetterSource) {

        /** Waiting to be received: neither delayed nor in flight. */
        public boolean visible(Instant now) {
            return !visibleFrom.isAfter(now);
        }

        /** Received and not yet deleted nor visible again. */
        public boolean inFlight(Instant now) {
            return receiveCount > 0 && visibleFrom.isAfter(now);
        }
    }

    private final Map<String, Map<String, Message>> queues = new ConcurrentHashMap<>();

    /** Starts the listener that keeps this current, to hand to ElasticMQ's server builder. */
    ActorRef listener(ActorSystem system) {
        return system.actorOf(Props.create(Listener.class, () -> new Listener(this)), "eventjobs-queue-watch");
    }

    /** The messages {@code queueName} holds now, the oldest first; empty for a queue it does not know. */
    public List<Message> messages(String queueName) {
        return queues.getOrDefault(queueName, Map.of()).values().stream()
                .sorted(Comparator.comparing(Message::sent).thenComparing(Message::id)).toList();
    }

    /**
     * When the oldest message of {@code queueName} that is not delayed (visible or in flight, as
     * CloudWatch's {@code ApproximateAgeOfOldestMessage} counts every message not deleted) was sent.
     */
    public Optional<Instant> oldestSent(String queueName, Instant now) {
        return queues.getOrDefault(queueName, Map.of()).values().stream()
                .filter(m -> m.receiveCount() > 0 || m.visible(now))
                .map(Message::sent).min(Comparator.naturalOrder());
    }

    /** The names of the queues it knows. */
    public List<String> queueNames() {
        return queues.keySet().stream().sorted().toList();
    }

    void put(String queue, InternalMessage message) {
        queues.computeIfAbsent(queue, q -> new ConcurrentHashMap<>()).put(message.id(), copy(message));
    }

    void remove(String queue, String messageId) {
        Map<String, Message> messages = queues.get(queue);
        if (messages != null) {
            messages.remove(messageId);
        }
    }

    void drop(String queue) {
        queues.remove(queue);
    }

    private static Message copy(InternalMessage message) {
        String body = message.content().value();
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, MessageAttribute> entry : CollectionConverters.asJava(message.messageAttributes()).entrySet()) {
            switch (entry.getValue()) {
                case StringMessageAttribute s -> attributes.put(entry.getKey(), s.stringValue());
                case NumberMessageAttribute n -> attributes.put(entry.getKey(), n.stringValue());
                default -> { }
            }
        }
        return new Message(message.id(), message.created().toInstant(), Instant.ofEpochMilli(message.nextDelivery()),
                message.receiveCount(), body.length() > BODY_CHARS ? body.substring(0, BODY_CHARS) + "..." : body,
                Map.copyOf(attributes), message.deadLetterSourceQueueName().isDefined()
                        ? Optional.of(message.deadLetterSourceQueueName().get()) : Optional.empty());
    }

    /** The actor ElasticMQ tells about every change; acknowledges each event at once. */
    static final class Listener extends AbstractActor {
        private final QueueWatch watch;

        Listener(QueueWatch watch) {
            this.watch = watch;
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder()
                    .match(QueueEvent.MessageAdded.class, e -> acknowledge(() -> watch.put(e.queueName(), e.message())))
                    .match(QueueEvent.MessageUpdated.class, e -> acknowledge(() -> watch.put(e.queueName(), e.message())))
                    .match(QueueEvent.MessageRemoved.class, e -> acknowledge(() -> watch.remove(e.queueName(), e.messageId())))
                    .match(QueueEvent.QueueDeleted.class, e -> watch.drop(e.queueName()))
                    .matchAny(other -> { })
                    .build();
        }

        private void acknowledge(Runnable change) {
            try {
                change.run();
            } finally {
                getSender().tell(OperationSuccessful$.MODULE$, getSelf());
            }
        }
    }
}
