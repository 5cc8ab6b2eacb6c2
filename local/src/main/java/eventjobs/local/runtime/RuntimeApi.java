package eventjobs.local.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import eventjobs.local.Http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API for one execution environment, on a loopback port: the runtime
 * process polls {@code /next} for invocations and posts each response or error back
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html">AWS docs</a>).
 * Thread-safe.
 */
final class RuntimeApi implements AutoCloseable {

    private static final String PREFIX = "/2018-06-01/runtime/";

    /**
     * An event for the runtime, and where its answer goes. The function's timeout starts when the
     * runtime takes the event from {@code /next}; {@code delivered} then completes with the deadline.
     * With {@code withheld}, what the runtime posts back is acknowledged and dropped: {@code reply}
     * never completes (chaos mode's hang and kill).
     */
    record Pending(String requestId, byte[] event, Duration timeout, String functionArn, String traceId,
                   CompletableFuture<Instant> delivered, CompletableFuture<Reply> reply, boolean withheld) {}

    /** What the runtime posted back for one invocation. */
    record Reply(boolean error, byte[] body, String errorType) {}

    private final HttpServer server;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Map<String, Pending> inFlight = new ConcurrentHashMap<>();
    private final CompletableFuture<Instant> firstPoll = new CompletableFuture<>();
    private final CompletableFuture<Reply> initError = new CompletableFuture<>();

    RuntimeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Completes when the runtime first asks for work: its init is done. */
    CompletableFuture<Instant> firstPoll() {
        return firstPoll;
    }

    /** Completes when the runtime reports that it could not initialize. */
    CompletableFuture<Reply> initError() {
        return initError;
    }

    void submit(Pending pending) {
        queue.add(pending);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            String method = exchange.getRequestMethod();
            if (method.equals("GET") && path.equals("invocation/next")) {
                next(exchange);
            } else if (method.equals("POST") && path.equals("init/error")) {
                initError.complete(new Reply(true, exchange.getRequestBody().readAllBytes(), errorType(exchange)));
                Http.json(exchange, 202, "{\"status\":\"OK\"}");
            } else if (method.equals("POST") && path.startsWith("invocation/")) {
                String[] parts = path.split("/");
                Pending pending = parts.length == 3 ? inFlight.remove(parts[1]) : null;
                if (pending == null) {
                    Http.json(exchange, 400, "{\"errorMessage\":\"unknown request id\",\"errorType\":\"InvalidRequestID\"}");
                    return;
                }
                boolean error = parts[2].equals("error");
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (!pending.withheld()) {
                    pending.reply().complete(new Reply(error, body, error ? errorType(exchange) : ""));
                }
                Http.json(exchange, 202, "{\"status\":\"OK\"}");
            } else {
                Http.json(exchange, 404, "{\"errorMessage\":\"not a Runtime API path\"}");
            }
        }
    }

    private void next(HttpExchange exchange) throws IOException {
        firstPoll.complete(Instant.now());
        Pending pending;
        try {
            pending = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        inFlight.put(pending.requestId(), pending);
        Instant deadline = Instant.now().plus(pending.timeout());
        var headers = exchange.getResponseHeaders();
        headers.add("Lambda-Runtime-Aws-Request-Id", pending.requestId());
        headers.add("Lambda-Runtime-Deadline-Ms", Long.toString(deadline.toEpochMilli()));
        headers.add("Lambda-Runtime-Invoked-Function-Arn", pending.functionArn());
        headers.add("Lambda-Runtime-Trace-Id", pending.traceId());
        headers.add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, pending.event().length == 0 ? -1 : pending.event().length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(pending.event());
        }
        pending.delivered().complete(deadline);
    }

    private static String errorType(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
        return type == null ? "Runtime.Unknown" : type;
    }


    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        try {
            ((java.util.concurrent.ExecutorService) server.getExecutor()).awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
