package eventjobs.local.sources;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.EventProperties;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The template's APIs on one local port, as API Gateway runs them: HttpApi routes get the
 * payload format 2.0 event, Api (REST) routes the 1.0 proxy event
 * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html">AWS docs</a>).
 * Function answers are mapped back the way each API type does; a malformed answer is a 502, a
 * failed function a 500 (HTTP API) or 502 (REST), and a function still running when API Gateway
 * stops waiting a 503 (HTTP API) or 504 (REST). Authorization is not enforced. Thread-safe.
 */
public final class HttpApiServer implements EventSource {

    /** API events ({@code Type: HttpApi} and {@code Type: Api}): every route on one server, on the API port. */
    static final EventSource.Kind<Route> KIND = new EventSource.Kind<>(Route::read, HttpApiServer::create);

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    /**
     * A route of an HTTP API (payload 2.0) or a REST API (payload 1.0).
     *
     * @param binaryMediaTypes the REST API's BinaryMediaTypes (none for an HTTP API)
     */
    record Route(String name, boolean httpApi, String method, String path, List<String> binaryMediaTypes)
            implements EventSource.Event {
        static Route read(EventProperties properties) {
            boolean httpApi = properties.type().equals("HttpApi");
            return new Route(properties.name(), httpApi, properties.string("Method", "ANY").toUpperCase(Locale.ROOT),
                    properties.string("Path", "/{proxy+}"), httpApi ? List.of() : properties.restApiBinaryMediaTypes());
        }
    }

    /**
     * How long API Gateway waits for a function before it answers on its own: 30 s for an HTTP
     * API (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html">AWS docs</a>),
     * 29 s by default for a REST API
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html">AWS docs</a>).
     */
    record IntegrationTimeouts(Duration httpApi, Duration restApi) {
        static IntegrationTimeouts aws() {
            return new IntegrationTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(29));
        }

        Duration of(boolean httpApi) {
            return httpApi ? this.httpApi : restApi;
        }
    }

    private final HttpServer server;
    private final List<HttpRoute> routes = new ArrayList<>();
    private final InvocationLog log;
    private final Clock clock;
    private final IntegrationTimeouts timeouts;

    HttpApiServer(int port, InvocationLog log, Clock clock, IntegrationTimeouts timeouts) throws IOException {
        this.log = log;
        this.clock = clock;
        this.timeouts = timeouts;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
    }

    private static EventSource create(List<Subscription<Route>> routes, Context context) {
        int port = switch (context.apiPort()) {
            case Port.None none -> -1;
            case Port.AnyFree any -> 0;
            case Port.Fixed fixed -> fixed.number();
        };
        if (port < 0) {
            return EventSource.all(List.of());
        }
        try {
            HttpApiServer server = new HttpApiServer(port, context.log(), context.clock(), IntegrationTimeouts.aws());
            routes.forEach(r -> server.route(r.event().method(), r.event().path(), r.event().httpApi(),
                    r.event().binaryMediaTypes(), r.function().pool()));
            return server;
        } catch (BindException e) {
            throw new EmbeddedAws.PortInUse(port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open port " + port + " for the HTTP API", e);
        }
    }

    /** Adds a route; call before {@link #start()}. */
    void route(String method, String path, boolean httpApi, List<String> binaryMediaTypes, FunctionPool function) {
        routes.add(HttpRoute.of(method, path, httpApi, binaryMediaTypes, function));
        routes.sort(Comparator.comparingInt(HttpRoute::specificity).reversed());
    }

    @Override
    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** "METHOD /path -> function" for each route. */
    public List<String> describe() {
        return routes.stream().map(r -> r.routeKey() + " -> " + r.function().config().name()
                + (r.httpApi() ? "" : " (REST)")).toList();
    }

    /** API Gateway's payload limit, for HTTP APIs and REST APIs alike. */
    static final long MAX_BODY_BYTES = 10L * 1024 * 1024;
    /** API Gateway refuses requests whose headers (names and values) exceed 10 KB in total. */
    static final int MAX_HEADER_BYTES = 10 * 1024;

    /** What API Gateway answers before any function runs, or empty when the request may go on. */
    private static Optional<Response> overLimits(HttpExchange exchange) {
        long headerBytes = 0;
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            for (String value : header.getValue()) {
                headerBytes += header.getKey().length() + value.length();
            }
        }
        if (headerBytes > MAX_HEADER_BYTES) {
            return Optional.of(new Response(431, Map.of("Content-Type", List.of("application/json")),
                    "{\"message\":\"Request Header Fields Too Large\"}".getBytes(StandardCharsets.UTF_8)));
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY_BYTES) {
            return Optional.of(tooLarge());
        }
        return Optional.empty();
    }

    private static Response tooLarge() {
        return new Response(413, Map.of("Content-Type", List.of("application/json")),
                "{\"message\":\"Request Entity Too Large\"}".getBytes(StandardCharsets.UTF_8));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Optional<Response> refused = overLimits(exchange);
            if (refused.isPresent()) {
                // read what the client sends, so that it gets to read the answer
                exchange.getRequestBody().transferTo(java.io.OutputStream.nullOutputStream());
                send(exchange, refused.get().status(), refused.get().headers(), refused.get().body());
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            for (HttpRoute route : routes) {
                Optional<Map<String, String>> parameters = route.match(method, path.isEmpty() ? "/" : path);
                if (parameters.isPresent()) {
                    invoke(exchange, route, parameters.get());
                    return;
                }
            }
            Response notFound = gatewayAnswer(404, "{\"message\":\"Not Found\"}");
            send(exchange, notFound.status(), notFound.headers(), notFound.body());
        }
    }

    private void invoke(HttpExchange exchange, HttpRoute route, Map<String, String> pathParameters) throws IOException {
        byte[] body = exchange.getRequestBody().readNBytes((int) MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) { // a chunked body, sent without Content-Length
            Response tooLarge = tooLarge();
            send(exchange, tooLarge.status(), tooLarge.headers(), tooLarge.body());
            return;
        }
        ObjectNode event = route.httpApi() ? v2Event(exchange, route, pathParameters, body) : v1Event(exchange, route, pathParameters, body);
        byte[] payload = JSON.writeValueAsBytes(event);
        String function = route.function().config().name();
        String trigger = "http:" + route.routeKey();
        String request = exchange.getRequestMethod() + " " + exchange.getRequestURI();
        CompletableFuture<InvocationResult> invocation = CompletableFuture.supplyAsync(
                () -> route.function().invoke(payload), task -> Thread.ofVirtual().name("api-" + function).start(task));
        Duration limit = timeouts.of(route.httpApi());
        Optional<InvocationResult> result = await(invocation, limit);
        if (result.isEmpty()) {
            Response response = integrationTimeout(route.httpApi());
            // API Gateway stops waiting, the function runs on until it ends or its own timeout
            invocation.thenAccept(late -> log.invoked(function, trigger, late, request + " -> " + response.status()
                    + " (API Gateway stopped waiting after " + limit.toSeconds() + " s)"));
            send(exchange, response.status(), response.headers(), response.body());
            return;
        }
        Response response = result.get().succeeded()
                ? response(result.get().payload(), route.httpApi())
                : failure(route.httpApi());
        log.invoked(function, trigger, result.get(), request + " -> " + response.status());
        send(exchange, response.status(), response.headers(), response.body());
    }

    /** The invocation's result, or empty when it did not end within {@code limit}. */
    private static Optional<InvocationResult> await(CompletableFuture<InvocationResult> invocation, Duration limit) {
        try {
            return Optional.of(invocation.get(limit.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the function", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private ObjectNode v2Event(HttpExchange exchange, HttpRoute route, Map<String, String> pathParameters, byte[] body) {
        ObjectNode event = JSON.createObjectNode();
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        event.put("version", "2.0");
        event.put("routeKey", route.routeKey());
        event.put("rawPath", rawPath);
        event.put("rawQueryString", rawQuery == null ? "" : rawQuery);
        List<String> cookies = new ArrayList<>();
        ObjectNode headers = event.putObject("headers");
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (name.equalsIgnoreCase("Cookie")) {
                values.forEach(v -> cookies.addAll(List.of(v.split(";\\s*"))));
            } else {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        if (!cookies.isEmpty()) {
            ArrayNode cookieArray = event.putArray("cookies");
            cookies.forEach(cookieArray::add);
        }
        Map<String, List<String>> query = query(rawQuery);
        if (!query.isEmpty()) {
            ObjectNode queryNode = event.putObject("queryStringParameters");
            query.forEach((key, values) -> queryNode.put(key, String.join(",", values)));
        }
        if (!pathParameters.isEmpty()) {
            ObjectNode params = event.putObject("pathParameters");
            pathParameters.forEach(params::put);
        }
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "000000000000");
        context.put("apiId", "local");
        context.put("domainName", "localhost");
        context.put("domainPrefix", "localhost");
        ObjectNode http = context.putObject("http");
        http.put("method", exchange.getRequestMethod());
        http.put("path", rawPath);
        http.put("protocol", exchange.getProtocol());
        http.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
        http.put("userAgent", Optional.ofNullable(exchange.getRequestHeaders().getFirst("User-Agent")).orElse(""));
        Instant now = clock.instant();
        context.put("requestId", UUID.randomUUID().toString());
        context.put("routeKey", route.routeKey());
        context.put("stage", "$default");
        context.put("time", REQUEST_TIME.format(now));
        context.put("timeEpoch", now.toEpochMilli());
        // an HTTP API leaves body out when the request has none
        if (body.length > 0) {
            body(event, route, exchange.getRequestHeaders(), body);
        } else {
            event.put("isBase64Encoded", false);
        }
        return event;
    }

    private ObjectNode v1Event(HttpExchange exchange, HttpRoute route, Map<String, String> pathParameters, byte[] body) {
        ObjectNode event = JSON.createObjectNode();
        String path = exchange.getRequestURI().getPath();
        event.put("resource", route.pathTemplate());
        event.put("path", path);
        event.put("httpMethod", exchange.getRequestMethod());
        ObjectNode headers = event.putObject("headers");
        ObjectNode multiHeaders = event.putObject("multiValueHeaders");
        exchange.getRequestHeaders().forEach((name, values) -> {
            headers.put(name, values.getLast());
            ArrayNode all = multiHeaders.putArray(name);
            values.forEach(all::add);
        });
        Map<String, List<String>> query = query(exchange.getRequestURI().getRawQuery());
        if (query.isEmpty()) {
            event.putNull("queryStringParameters");
            event.putNull("multiValueQueryStringParameters");
        } else {
            ObjectNode single = event.putObject("queryStringParameters");
            ObjectNode multi = event.putObject("multiValueQueryStringParameters");
            query.forEach((key, values) -> {
                single.put(key, values.getLast());
                ArrayNode all = multi.putArray(key);
                values.forEach(all::add);
            });
        }
        if (pathParameters.isEmpty()) {
            event.putNull("pathParameters");
        } else {
            ObjectNode params = event.putObject("pathParameters");
            pathParameters.forEach(params::put);
        }
        event.putNull("stageVariables");
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "000000000000");
        context.put("apiId", "local");
        context.put("resourcePath", route.pathTemplate());
        context.put("httpMethod", exchange.getRequestMethod());
        context.put("path", "/Prod" + path);
        context.put("stage", "Prod");
        context.put("protocol", exchange.getProtocol());
        context.put("requestId", UUID.randomUUID().toString());
        context.put("requestTimeEpoch", clock.instant().toEpochMilli());
        ObjectNode identity = context.putObject("identity");
        identity.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
        identity.put("userAgent", Optional.ofNullable(exchange.getRequestHeaders().getFirst("User-Agent")).orElse(""));
        // a REST API sends body null when the request has none
        if (body.length > 0) {
            body(event, route, exchange.getRequestHeaders(), body);
        } else {
            event.putNull("body");
            event.put("isBase64Encoded", false);
        }
        return event;
    }

    private static void body(ObjectNode event, HttpRoute route, Headers headers, byte[] body) {
        boolean base64 = route.base64(Optional.ofNullable(headers.getFirst("Content-Type")).orElse(""));
        event.put("body", base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8));
        event.put("isBase64Encoded", base64);
    }

    private static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            String[] kv = pair.split("=", 2);
            query.computeIfAbsent(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return query;
    }

    record Response(int status, Map<String, List<String>> headers, byte[] body) {}

    /**
     * Maps a function's answer as API Gateway does. Payload 2.0 (HttpApi): an object with
     * statusCode is a full response and any other valid JSON is the body of a 200
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response">AWS docs</a>);
     * payload 1.0 (REST): the answer must be an object with statusCode. Anything else is a 502.
     */
    static Response response(byte[] payload, boolean httpApi) {
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (JacksonException e) {
            return badGateway();
        }
        if (root != null && root.isObject() && root.has("statusCode")) {
            return mapped(root, httpApi);
        }
        return httpApi ? new Response(200, Map.of("Content-Type", List.of("application/json")), payload) : badGateway();
    }

    private static Response mapped(JsonNode root, boolean httpApi) {
        JsonNode statusNode = root.get("statusCode");
        if (!statusNode.canConvertToInt() || statusNode.asInt() < 100 || statusNode.asInt() > 599) {
            return badGateway();
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        JsonNode single = root.path("headers");
        if (single.isObject()) {
            single.properties().forEach(e -> headers.put(e.getKey(), new ArrayList<>(List.of(e.getValue().asString()))));
        }
        JsonNode multi = root.path("multiValueHeaders");
        if (multi.isObject()) {
            multi.properties().forEach(e -> {
                List<String> values = headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
                e.getValue().forEach(v -> values.add(v.asString()));
            });
        }
        if (httpApi && root.path("cookies").isArray()) {
            List<String> cookies = headers.computeIfAbsent("Set-Cookie", k -> new ArrayList<>());
            root.get("cookies").forEach(c -> cookies.add(c.asString()));
        }
        JsonNode bodyNode = root.path("body");
        byte[] body;
        if (bodyNode.isMissingNode() || bodyNode.isNull()) {
            body = new byte[0];
        } else if (root.path("isBase64Encoded").asBoolean(false)) {
            try {
                body = Base64.getDecoder().decode(bodyNode.asString());
            } catch (IllegalArgumentException e) {
                return badGateway();
            }
        } else {
            body = (bodyNode.isString() ? bodyNode.asString() : bodyNode.toString()).getBytes(StandardCharsets.UTF_8);
        }
        return new Response(statusNode.asInt(), headers, body);
    }

    /**
     * What API Gateway answers when the function fails: it throws, crashes or runs past its own
     * timeout. An HTTP API answers 500
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html">AWS docs</a>),
     * a REST API 502
     * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html">AWS docs</a>).
     */
    static Response failure(boolean httpApi) {
        return httpApi ? gatewayAnswer(500, "{\"message\":\"Internal Server Error\"}") : badGateway();
    }

    /**
     * What API Gateway answers when it stops waiting for the function ({@link IntegrationTimeouts}):
     * an HTTP API 503, a REST API 504
     * (<a href="https://repost.aws/knowledge-center/api-gateway-504-errors">AWS docs</a>).
     */
    static Response integrationTimeout(boolean httpApi) {
        return httpApi
                ? gatewayAnswer(503, "{\"message\":\"Service Unavailable\"}")
                : gatewayAnswer(504, "{\"message\": \"Endpoint request timed out\"}");
    }

    private static Response badGateway() {
        return gatewayAnswer(502, "{\"message\": \"Internal server error\"}");
    }

    private static Response gatewayAnswer(int status, String body) {
        return new Response(status, Map.of("Content-Type", List.of("application/json")), body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, Map<String, List<String>> headers, byte[] body) throws IOException {
        headers.forEach((name, values) -> exchange.getResponseHeaders().put(name, values));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
