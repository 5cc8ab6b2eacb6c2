package eventjobs.local.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import eventjobs.local.Http;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /_eventjobs/queues}: the age of the oldest message of every queue the embedded
 * ElasticMQ holds, from its {@link QueueWatch} (nothing is received, no receive count grows), for
 * {@code local/run queues} in another process. Thread-safe.
 */
final class QueueLag implements HttpHandler {

    private final QueueWatch watch;
    private final Clock clock;

    QueueLag(QueueWatch watch, Clock clock) {
        this.watch = watch;
        this.clock = clock;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            exchange.getResponseHeaders().set("Allow", "GET");
            Http.json(exchange, 405, Http.error(exchange.getRequestMethod() + " is not allowed here; GET is"));
            return;
        }
        Instant now = clock.instant();
        ObjectNode answer = JsonMapper.shared().createObjectNode();
        ArrayNode queues = answer.putArray("queues");
        for (String name : watch.queueNames()) {
            List<QueueWatch.Message> messages = watch.messages(name);
            ObjectNode queue = queues.addObject().put("name", name)
                    .put("visible", messages.stream().filter(m -> m.visible(now)).count())
                    .put("inFlight", messages.stream().filter(m -> m.inFlight(now)).count());
            watch.oldestSent(name, now).ifPresentOrElse(
                    sent -> queue.put("oldestSentAt", sent.toString()).put("ageOfOldestMessageSeconds", age(sent, now)),
                    () -> queue.put("ageOfOldestMessageSeconds", 0));
        }
        Http.json(exchange, 200, answer.toString());
    }

    /** Whole seconds, as CloudWatch reports ApproximateAgeOfOldestMessage. */
    static long age(Instant sent, Instant now) {
        return Math.max(0, Duration.between(sent, now).toSeconds());
    }
}
