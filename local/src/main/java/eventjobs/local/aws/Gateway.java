package eventjobs.local.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import eventjobs.local.Http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One AWS endpoint for every service, like LocalStack's: each request goes to the emulator of
 * the service its SigV4 signature names ({@code Credential=.../<region>/<service>/aws4_request},
 * in the Authorization header or a presigned URL's query), or its {@code X-Amz-Target}.
 * Thread-safe.
 */
public final class Gateway implements AutoCloseable {

    private static final Pattern CREDENTIAL_SCOPE = Pattern.compile("Credential=[^/,\\s]+/\\d{8}/[^/]+/([^/]+)/aws4_request");
    private static final Pattern QUERY_SCOPE = Pattern.compile("X-Amz-Credential=[^&]*?(?:/|%2F)\\d{8}(?:/|%2F)[^/%]+(?:/|%2F)([^/%]+)(?:/|%2F)aws4_request");
    /** Headers the JDK client sets itself or refuses. */
    private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, URI> backends = new ConcurrentHashMap<>();
    private final Map<String, DynamoDbLocks> guarded = new ConcurrentHashMap<>();
    /** Pages of the endpoint itself, under {@value #INTERNAL}: by exact path, or by a prefix ending in '/'. */
    private final Map<String, HttpHandler> internal = new ConcurrentHashMap<>();

    /** Where the endpoint's own pages are (health, queue lag, the console), as LocalStack's are under /_localstack/. */
    public static final String INTERNAL = "/_eventjobs/";

    /**
     * A request as {@link RequestFaults} see it.
     *
     * @param service the signing name of its service (sqs, s3, dynamodb, ...)
     * @param target  its {@code X-Amz-Target} (JSON protocols: {@code DynamoDB_20120810.PutItem}), if any
     */
    public record Call(String service, String method, String path, Optional<String> target) {}

    /** An answer given in place of the service's. */
    public record Refusal(int status, Map<String, String> headers, byte[] body) {}

    /**
     * Decides, for each request sent to a {@link #listen(RequestFaults) listener}, whether it is
     * answered with an error instead of reaching its service (chaos mode). Thread-safe.
     */
    public interface RequestFaults {
        Optional<Refusal> refuse(Call call);
    }

    /** Another port onto the same services; closing it closes only that port. */
    public static final class Listener implements AutoCloseable {
        private final HttpServer server;

        private Listener(HttpServer server) {
            this.server = server;
        }

        public URI uri() {
            return URI.create("http://localhost:" + server.getAddress().getPort());
        }

        @Override
        public void close() {
            server.stop(0);
            ((ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    /** What the emulator answered. */
    private record Upstream(int statusCode, java.net.http.HttpHeaders headers, InputStream body) {}

    /** @param port 0 for any free one */
    public Gateway(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::forward);
        server.start();
    }

    public URI uri() {
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Opens another loopback port onto the same services, on which each signed request (not a
     * presigned URL) is first shown to {@code faults}, which may answer it with an error instead.
     * Whoever calls this closes the listener.
     */
    public Listener listen(RequestFaults faults) throws IOException {
        HttpServer extra = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        extra.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        extra.createContext("/", exchange -> refuseOrForward(exchange, faults));
        extra.start();
        return new Listener(extra);
    }

    private void refuseOrForward(HttpExchange exchange, RequestFaults faults) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        Optional<Refusal> refusal = authorization == null ? Optional.empty()
                : service(authorization, query, target).flatMap(service -> faults.refuse(new Call(service,
                        exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), Optional.ofNullable(target))));
        if (refusal.isEmpty()) {
            forward(exchange);
            return;
        }
        try (exchange) {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            refusal.get().headers().forEach(exchange.getResponseHeaders()::set);
            byte[] body = refusal.get().body();
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(refusal.get().status(), head || body.length == 0 ? -1 : body.length);
            if (!head && body.length > 0) {
                exchange.getResponseBody().write(body);
            }
        }
    }

    /**
     * Answers requests for {@code path} under {@value #INTERNAL} with {@code handler}: that path
     * exactly, or every path below it when it ends with '/' (the longest such prefix wins). The
     * handler sends its answer; the exchange is closed after it. Closing what this returns removes
     * the handler, unless another was mounted on that path since.
     *
     * @throws IllegalArgumentException when {@code path} is not under {@value #INTERNAL}
     */
    public AutoCloseable internal(String path, HttpHandler handler) {
        if (!path.startsWith(INTERNAL)) {
            throw new IllegalArgumentException(path + " is not under " + INTERNAL);
        }
        internal.put(path, handler);
        return () -> internal.remove(path, handler);
    }

    /** The signing names of the services this endpoint routes, sorted. */
    public List<String> services() {
        return backends.keySet().stream().sorted().toList();
    }

    private void answerInternal(HttpExchange exchange, String path) throws IOException {
        HttpHandler handler = internal.get(path);
        if (handler == null) {
            handler = internal.entrySet().stream()
                    .filter(e -> e.getKey().endsWith("/") && path.startsWith(e.getKey()))
                    .max(java.util.Comparator.comparingInt(e -> e.getKey().length()))
                    .map(Map.Entry::getValue).orElse(null);
        }
        if (handler != null) {
            try {
                handler.handle(exchange);
            } catch (RuntimeException e) {
                Http.json(exchange, 500, Http.error(path + " failed: " + e));
            }
            return;
        }
        if (path.equals(INTERNAL + "health")) {
            Http.json(exchange, 200, "{\"services\":" + services().stream().map(s -> "\"" + s + "\"").toList() + "}");
            return;
        }
        Http.json(exchange, 404, Http.error("nothing at " + path + " on this endpoint"));
    }

    /** Sends requests for {@code service} (its signing name, e.g. "sqs") to {@code backend}. */
    public void route(String service, URI backend) {
        backends.put(service, backend);
    }

    /**
     * Like {@link #route(String, URI)}, for a DynamoDB emulator whose conditional writes are not
     * atomic under concurrent requests (moto's): each request holds what {@link DynamoDbLocks}
     * says, so writes to one table go one at a time while reads and other tables go on.
     */
    public void routeDynamoDb(URI backend) {
        guarded.put("dynamodb", new DynamoDbLocks());
        backends.put("dynamodb", backend);
    }

    private Upstream send(String service, HttpRequest.Builder request, HttpExchange exchange,
                          HttpRequest.BodyPublisher streamed) throws IOException, InterruptedException {
        DynamoDbLocks locks = guarded.get(service);
        if (locks == null) {
            HttpResponse<InputStream> response = client.send(request.method(exchange.getRequestMethod(), streamed).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            return new Upstream(response.statusCode(), response.headers(), response.body());
        }
        byte[] body = exchange.getRequestBody().readAllBytes();
        request.method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        try (DynamoDbLocks.Held held = locks.acquire(exchange.getRequestHeaders().getFirst("X-Amz-Target"), body)) {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Upstream(response.statusCode(), response.headers(), new java.io.ByteArrayInputStream(response.body()));
        }
    }

    /** The signing name of the service a request is for, if it says. */
    static Optional<String> service(String authorization, String rawQuery, String target) {
        if (authorization != null) {
            Matcher matcher = CREDENTIAL_SCOPE.matcher(authorization);
            if (matcher.find()) {
                return Optional.of(matcher.group(1));
            }
        }
        if (rawQuery != null) {
            Matcher matcher = QUERY_SCOPE.matcher(rawQuery);
            if (matcher.find()) {
                return Optional.of(matcher.group(1));
            }
        }
        if (target != null) {
            String prefix = target.split("\\.")[0].toLowerCase(Locale.ROOT);
            if (prefix.startsWith("amazonsqs")) {
                return Optional.of("sqs");
            }
            if (prefix.startsWith("dynamodb")) {
                return Optional.of("dynamodb");
            }
            if (prefix.equals("secretsmanager")) {
                return Optional.of("secretsmanager");
            }
        }
        return Optional.empty();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals(INTERNAL.substring(0, INTERNAL.length() - 1))) {
                exchange.getResponseHeaders().set("Location", INTERNAL);
                exchange.sendResponseHeaders(301, -1);
                return;
            }
            if (path.startsWith(INTERNAL)) {
                answerInternal(exchange, path);
                return;
            }
            String service = service(exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("X-Amz-Target"))
                    // an unsigned request without a target: S3 is the one service browsers and curl reach like this
                    .orElse("s3");
            URI backend = backends.get(service);
            if (backend == null) {
                Http.json(exchange, 501, "{\"__type\":\"NotImplemented\",\"message\":\"the local endpoint does not serve "
                        + service + "; it serves " + backends.keySet() + "\"}");
                return;
            }
            URI target = URI.create(backend.toString().replaceAll("/+$", "") + exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(5));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            // the signature covers the host the client used; emulators that check it see that host
            String host = exchange.getRequestHeaders().getFirst("Host");
            if (host != null) {
                request.header("X-Forwarded-Host", host);
            }
            // streamed, never held whole: uploads may be large
            String declared = exchange.getRequestHeaders().getFirst("Content-Length");
            long requestLength;
            try {
                requestLength = declared == null ? -1 : Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                Http.json(exchange, 400, "{\"message\":\"Content-Length is not a number: " + declared.replace("\"", "'") + "\"}");
                return;
            }
            boolean chunked = "chunked".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Transfer-Encoding"));
            HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody);
            HttpRequest.BodyPublisher publisher = requestLength > 0
                    ? HttpRequest.BodyPublishers.fromPublisher(stream, requestLength)
                    : chunked ? stream : HttpRequest.BodyPublishers.noBody();
            Upstream response;
            try {
                response = send(service, request, exchange, publisher);
            } catch (IOException e) {
                Http.json(exchange, 502, "{\"message\":\"" + service + " emulator unreachable: " + e.getMessage() + "\"}");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            if (head || response.statusCode() == 204 || response.statusCode() == 304) {
                if (length >= 0) {
                    exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
                }
                exchange.sendResponseHeaders(response.statusCode(), -1);
                response.body().close();
                return;
            }
            exchange.sendResponseHeaders(response.statusCode(), length == 0 ? -1 : Math.max(length, 0));
            try (InputStream in = response.body(); OutputStream out = exchange.getResponseBody()) {
                in.transferTo(out);
            }
        }
    }


    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
