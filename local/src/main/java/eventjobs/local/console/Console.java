package eventjobs.local.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import eventjobs.local.Http;
import eventjobs.local.aws.Gateway;
import eventjobs.local.aws.QueueWatch;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.stack.Redrive;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The local console, under {@code /_eventjobs/} on the AWS endpoint (as LocalStack's pages are
 * under {@code /_localstack/}): a page in plain HTML, CSS and JavaScript (resources of this
 * package, no build step, nothing fetched from the internet) that polls the JSON below.
 * <ul>
 *   <li>{@code GET /_eventjobs/health}: services, stack, functions and queues, in short;</li>
 *   <li>{@code GET /_eventjobs/state}: every function (warm instances, invocations, errors, p50/p99
 *       duration, cold starts), every queue (visible, in flight, delayed, age of the oldest message),
 *       every dead-letter queue with each message and its reason, the latest invocations and problems;</li>
 *   <li>{@code GET /_eventjobs/invocations/{requestId}/logs}: the lines that name that request;</li>
 *   <li>{@code POST /_eventjobs/dlqs/{LogicalId}/redrive}: replays that dead-letter queue with
 *       {@link Redrive}, the code behind {@code local/run redrive}, and answers what it did.</li>
 * </ul>
 * Every refusal is JSON {@code {"error": ...}} with a 4xx status. The endpoint listens on loopback
 * only; a request that changes something must also come from the console's own origin, so that
 * another page open in the same browser cannot send it (CSRF) and a rebinding DNS name cannot
 * reach it. Thread-safe.
 */
public final class Console implements HttpHandler {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String RESOURCES = "/eventjobs/local/console/";
    private static final Map<String, String> PAGES = Map.of(
            "", "index.html", "index.html", "index.html", "console.css", "console.css", "console.js", "console.js");
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");

    private final SamTemplate template;
    private final Gateway gateway;
    private final Supplier<Map<String, FunctionPool>> functions;
    private final SqsClient sqs;
    private final QueueWatch watch;
    private final Activity activity;
    private final Supplier<Redrive> redrive;
    private final Clock clock;
    private final Map<String, String> queueUrls = new ConcurrentHashMap<>();
    private final Set<String> redriving = ConcurrentHashMap.newKeySet();

    public Console(SamTemplate template, Gateway gateway, Supplier<Map<String, FunctionPool>> functions, SqsClient sqs,
                   QueueWatch watch, Activity activity, Supplier<Redrive> redrive, Clock clock) {
        this.template = template;
        this.gateway = gateway;
        this.functions = functions;
        this.sqs = sqs;
        this.watch = watch;
        this.activity = activity;
        this.redrive = redrive;
        this.clock = clock;
    }

    /** Mounts the console on {@code gateway}; closing the result takes it off. */
    public AutoCloseable mount() {
        return gateway.internal(Gateway.INTERNAL, this);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().substring(Gateway.INTERNAL.length());
        String method = exchange.getRequestMethod();
        String[] parts = path.split("/", -1);
        if (parts.length == 3 && parts[0].equals("dlqs") && parts[2].equals("redrive")) {
            if (!method.equals("POST")) {
                refuse(exchange, 405, "POST", method + " is not allowed on " + path + "; POST replays the queue");
                return;
            }
            redrive(exchange, parts[1]);
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            refuse(exchange, 405, "GET", method + " is not allowed on " + path + "; GET is");
            return;
        }
        if (parts.length == 3 && parts[0].equals("invocations") && parts[2].equals("logs")) {
            logs(exchange, parts[1]);
            return;
        }
        switch (path) {
            case "health" -> Http.json(exchange, 200, health().toString());
            case "state" -> Http.json(exchange, 200, state().toString());
            default -> {
                String page = PAGES.get(path);
                if (page == null) {
                    Http.json(exchange, 404, Http.error("nothing at " + Gateway.INTERNAL + path + "; the console is at "
                            + Gateway.INTERNAL + ", its data at " + Gateway.INTERNAL + "state"));
                    return;
                }
                page(exchange, page);
            }
        }
    }

    private static void refuse(HttpExchange exchange, int status, String allow, String message) throws IOException {
        exchange.getResponseHeaders().set("Allow", allow);
        Http.json(exchange, status, Http.error(message));
    }

    private void page(HttpExchange exchange, String page) throws IOException {
        try (InputStream in = Console.class.getResourceAsStream(RESOURCES + page)) {
            if (in == null) {
                Http.json(exchange, 500, Http.error(page + " is missing from the runtime's jar"));
                return;
            }
            byte[] bytes = in.readAllBytes();
            String type = page.endsWith(".html") ? "text/html; charset=utf-8"
                    : page.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    ObjectNode health() {
        ObjectNode health = JSON.createObjectNode().put("status", "running");
        gateway.services().forEach(health.putArray("services")::add);
        health.put("stack", template.stackName()).put("template", template.file().toString());
        ArrayNode functionList = health.putArray("functions");
        functions.get().forEach((id, pool) -> functionList.addObject().put("logicalId", id).put("name", pool.config().name())
                .put("warmInstances", pool.instances()));
        ArrayNode queues = health.putArray("queues");
        Instant now = clock.instant();
        for (Specs.Queue queue : template.queues()) {
            queues.add(queue(queue, now));
        }
        return health;
    }

    ObjectNode state() {
        Instant now = clock.instant();
        ObjectNode state = JSON.createObjectNode().put("stack", template.stackName()).put("now", now.toString());
        gateway.services().forEach(state.putArray("services")::add);
        ArrayNode functionList = state.putArray("functions");
        Map<String, Specs.Function> specs = new java.util.HashMap<>();
        template.functions().forEach(f -> specs.put(f.logicalId(), f));
        functions.get().forEach((id, pool) -> {
            Activity.FunctionStats stats = activity.stats(id);
            ObjectNode function = functionList.addObject().put("logicalId", id).put("name", pool.config().name())
                    .put("triggers", String.join(", ", Optional.ofNullable(specs.get(id)).map(f -> f.events().stream()
                            .map(e -> e.type()).distinct().toList()).orElse(List.of())))
                    .put("warmInstances", pool.instances()).put("invocations", stats.invocations())
                    .put("errors", stats.errors()).put("coldStarts", stats.coldStarts());
            stats.p50Ms().ifPresent(p -> function.put("p50Ms", p));
            stats.p99Ms().ifPresent(p -> function.put("p99Ms", p));
        });
        ArrayNode queues = state.putArray("queues");
        ArrayNode dlqs = state.putArray("deadLetterQueues");
        for (Specs.Queue queue : template.queues()) {
            ObjectNode view = queue(queue, now);
            queues.add(view);
            if (view.get("deadLetterQueue").asBoolean()) {
                ObjectNode dlq = dlqs.addObject().put("logicalId", queue.logicalId()).put("name", queue.name())
                        .put("replay", replay(queue));
                ArrayNode messages = dlq.putArray("messages");
                for (QueueWatch.Message message : watch.messages(queue.name())) {
                    ObjectNode m = messages.addObject().put("messageId", message.id()).put("sentAt", message.sent().toString())
                            .put("receiveCount", message.receiveCount()).put("reason", DeadLetterReason.of(message))
                            .put("body", message.body());
                    ObjectNode attributes = m.putObject("attributes");
                    message.attributes().entrySet().stream().sorted(Map.Entry.comparingByKey())
                            .forEach(a -> attributes.put(a.getKey(), a.getValue()));
                }
            }
        }
        ArrayNode recent = state.putArray("invocations");
        for (Activity.Invocation invocation : activity.recent()) {
            ObjectNode i = recent.addObject().put("at", invocation.at().toString()).put("function", invocation.function())
                    .put("trigger", invocation.trigger()).put("requestId", invocation.requestId())
                    .put("outcome", invocation.outcome()).put("durationMs", invocation.durationMs()).put("detail", invocation.detail());
            invocation.initDurationMs().ifPresent(d -> i.put("initDurationMs", d));
            invocation.errorType().ifPresent(t -> i.put("errorType", t));
            invocation.errorMessage().ifPresent(t -> i.put("errorMessage", t));
        }
        ArrayNode problems = state.putArray("problems");
        activity.problems().forEach(p -> problems.addObject().put("at", p.at().toString()).put("source", p.source())
                .put("message", p.message()));
        return state;
    }

    private ObjectNode queue(Specs.Queue queue, Instant now) {
        ObjectNode view = JSON.createObjectNode().put("logicalId", queue.logicalId()).put("name", queue.name())
                .put("deadLetterQueue", deadLetterQueue(queue));
        try {
            Map<QueueAttributeName, String> depth = sqs.getQueueAttributes(r -> r.queueUrl(url(queue)).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
            view.put("visible", Long.parseLong(depth.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")))
                    .put("inFlight", Long.parseLong(depth.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0")))
                    .put("delayed", Long.parseLong(depth.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED, "0")));
        } catch (RuntimeException e) {
            queueUrls.remove(queue.logicalId());
            view.put("error", "SQS did not answer for " + queue.name() + ": " + e.getMessage());
        }
        Optional<Instant> oldest = watch.oldestSent(queue.name(), now);
        view.put("ageOfOldestMessageSeconds", oldest.map(sent -> Math.max(0, java.time.Duration.between(sent, now).toSeconds())).orElse(0L));
        oldest.ifPresent(sent -> view.put("oldestSentAt", sent.toString()));
        return view;
    }

    private String url(Specs.Queue queue) {
        return queueUrls.computeIfAbsent(queue.logicalId(), id -> sqs.getQueueUrl(r -> r.queueName(queue.name())).queueUrl());
    }

    /** Whether something of the template parks messages in it: a redrive policy, a DeadLetterQueue, an OnFailure destination. */
    boolean deadLetterQueue(Specs.Queue queue) {
        String arn = queue.arn();
        return template.queues().stream().anyMatch(q -> q.attributes().getOrDefault("RedrivePolicy", "").contains("\"" + arn + "\""))
                || template.functions().stream().anyMatch(f -> f.deadLetterTargetArn().filter(arn::equals).isPresent()
                || f.async().flatMap(Specs.AsyncConfig::onFailureArn).filter(arn::equals).isPresent()
                || f.events().stream().anyMatch(e -> mentions(e.properties().get("DestinationConfig"), arn)));
    }

    private static boolean mentions(Object value, String arn) {
        return switch (value) {
            case null -> false;
            case Map<?, ?> map -> map.values().stream().anyMatch(v -> mentions(v, arn));
            case List<?> list -> list.stream().anyMatch(v -> mentions(v, arn));
            default -> arn.equals(String.valueOf(value));
        };
    }

    /** What a redrive does with this queue's messages, for the button's title. */
    private String replay(Specs.Queue queue) {
        String arn = queue.arn();
        return template.queues().stream()
                .filter(q -> q.attributes().getOrDefault("RedrivePolicy", "").contains("\"" + arn + "\""))
                .findFirst().map(q -> "moves each message back to " + q.logicalId()
                        + " (an event a function parked itself is invoked again on that function)")
                .orElse("invokes the failed function again, asynchronously, with each message's original payload");
    }

    private void logs(HttpExchange exchange, String requestId) throws IOException {
        if (!requestId.matches("[A-Za-z0-9-]{1,100}")) {
            Http.json(exchange, 400, Http.error("'" + requestId + "' is not a request id (letters, digits and '-')"));
            return;
        }
        ObjectNode answer = JSON.createObjectNode().put("requestId", requestId);
        ArrayNode lines = answer.putArray("lines");
        activity.lines(requestId).forEach(l -> lines.addObject().put("at", l.at().toString()).put("function", l.function())
                .put("text", l.text()));
        Http.json(exchange, 200, answer.toString());
    }

    private void redrive(HttpExchange exchange, String logicalId) throws IOException {
        Optional<String> foreign = foreignOrigin(exchange);
        if (foreign.isPresent()) {
            Http.json(exchange, 403, Http.error(foreign.get()));
            return;
        }
        byte[] body = exchange.getRequestBody().readNBytes(64 * 1024);
        if (body.length > 0) {
            try {
                JsonNode parsed = JSON.readTree(body);
                if (!parsed.isObject()) {
                    Http.json(exchange, 400, Http.error("the body must be empty or a JSON object, was " + parsed.getNodeType()
                            .name().toLowerCase(Locale.ROOT)));
                    return;
                }
            } catch (JacksonException e) {
                Http.json(exchange, 400, Http.error("the body is not JSON: " + e.getOriginalMessage()));
                return;
            }
        }
        Optional<Specs.Queue> queue = template.queues().stream().filter(q -> q.logicalId().equals(logicalId)).findFirst();
        if (queue.isEmpty()) {
            Http.json(exchange, 404, Http.error("no queue " + logicalId + " in the template; dead-letter queues: "
                    + template.queues().stream().filter(this::deadLetterQueue).map(Specs.Queue::logicalId).toList()));
            return;
        }
        if (!deadLetterQueue(queue.get())) {
            Http.json(exchange, 400, Http.error(logicalId + " is not a dead-letter queue (no redrive policy, DeadLetterQueue"
                    + " or OnFailure destination of the template names it)"));
            return;
        }
        if (!redriving.add(logicalId)) {
            Http.json(exchange, 409, Http.error(logicalId + " is being redriven already; try again when that run ends"));
            return;
        }
        try {
            Redrive.Result result = redrive.get().run(logicalId);
            ObjectNode answer = JSON.createObjectNode().put("deadLetterQueue", result.deadLetterQueue())
                    .put("summary", result.summary());
            ArrayNode outcomes = answer.putArray("outcomes");
            result.outcomes().forEach(o -> outcomes.addObject().put("messageId", o.messageId())
                    .put("action", o.action().name().toLowerCase(Locale.ROOT)).put("detail", o.detail()).put("text", o.toString()));
            Http.json(exchange, 200, answer.toString());
        } finally {
            redriving.remove(logicalId);
        }
    }

    /**
     * Why the request may not change anything, when it comes from elsewhere: a Host that is not
     * a loopback name (DNS rebinding), or an Origin that is not this endpoint's (another site's page).
     */
    static Optional<String> foreignOrigin(HttpExchange exchange) {
        String host = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Host")).orElse("");
        String hostName = host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        if (!LOOPBACK_HOSTS.contains(hostName)) {
            return Optional.of("Host '" + host + "' is not a loopback name; the console changes things only for"
                    + " http://localhost:<port>/_eventjobs/");
        }
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        if (origin != null) {
            try {
                URI o = URI.create(origin);
                String originHost = o.getHost() == null ? "" : o.getHost().toLowerCase(Locale.ROOT);
                int originPort = o.getPort() == -1 ? 80 : o.getPort();
                int port = exchange.getLocalAddress().getPort();
                if (!"http".equals(o.getScheme()) || !LOOPBACK_HOSTS.contains(originHost.startsWith("[") ? originHost
                        : originHost.contains(":") ? "[" + originHost + "]" : originHost) || originPort != port) {
                    return Optional.of("Origin " + origin + " is not this console's; only its own page may redrive");
                }
            } catch (IllegalArgumentException e) {
                return Optional.of("Origin '" + origin + "' cannot be read");
            }
        }
        return Optional.empty();
    }
}
