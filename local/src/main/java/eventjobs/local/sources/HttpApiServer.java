package eventjobs.local.sources;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.EventProperties;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

    /**
     * The URIs that reach the routes: the path as the client sent it, as API Gateway passes
     * {@code rawPath}, so Jetty's checks for servlet containers ({@code //}, {@code %2F},
     * {@code %2e%2e}, {@code %25}, bad UTF-8) are off. A path that is not percent-encoding at all
     * ({@code /orders/%zz}) or holds characters a URI cannot hold is still refused, by
     * {@link GatewayErrors}.
     */
    private static final UriCompliance URIS = UriCompliance.DEFAULT.with("API Gateway",
            UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT, UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT,
            UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_PARAMETER,
            UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING, UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS,
            UriCompliance.Violation.BAD_UTF8_ENCODING, UriCompliance.Violation.TRUNCATED_UTF8_ENCODING);
    /** Jetty's own limit on the request line and headers, above API Gateway's, so that {@link #overLimits} answers those. */
    private static final int JETTY_HEADER_BYTES = 64 * 1024;
    /** Longer than API Gateway waits for a function, so that no connection is closed while its answer is awaited. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final Server server;
    private final ServerConnector connector;
    private final List<HttpRoute> routes = new ArrayList<>();
    private final InvocationLog log;
    private final Clock clock;
    private final IntegrationTimeouts timeouts;

    /** Opens the port (0: any free one) at once, so that one in use is known before anything starts. */
    HttpApiServer(int port, InvocationLog log, Clock clock, IntegrationTimeouts timeouts) throws IOException {
        this.log = log;
        this.clock = clock;
        this.timeouts = timeouts;
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("api");
        server = new Server(threads);
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.setSendServerVersion(false);
        configuration.setUriCompliance(URIS);
        configuration.setRequestHeaderSize(JETTY_HEADER_BYTES);
        connector = new ServerConnector(server, 1, 1, new CaseKeepingHttpConnectionFactory(configuration));
        connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        connector.setPort(port);
        connector.setAcceptQueueSize(256);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws IOException {
                send(response, answer(request), callback);
                return true;
            }
        });
        server.setErrorHandler(new GatewayErrors());
        try {
            connector.open();
        } catch (IOException e) {
            if (e.getCause() instanceof BindException bind) {
                throw bind;
            }
            throw e;
        }
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
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP API server did not start", e);
        }
    }

    public int port() {
        return connector.getLocalPort();
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
    private static Optional<Answer> overLimits(Request request) {
        long headerBytes = 0;
        for (HttpField header : request.getHeaders()) {
            headerBytes += header.getName().length() + header.getValue().length();
        }
        if (headerBytes > MAX_HEADER_BYTES) {
            return Optional.of(gatewayAnswer(431, "{\"message\":\"Request Header Fields Too Large\"}"));
        }
        String length = request.getHeaders().get("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY_BYTES) {
            return Optional.of(tooLarge());
        }
        return Optional.empty();
    }

    private static Answer tooLarge() {
        return gatewayAnswer(413, "{\"message\":\"Request Entity Too Large\"}");
    }

    /**
     * What API Gateway answers for a request it cannot read, such as a query string that is not
     * percent-encoding ({@code ?q=%zz}); a path like that never reaches the routes ({@link #URIS}).
     */
    private static Answer badRequest() {
        return gatewayAnswer(400, "{\"message\":\"Bad Request\"}");
    }

    private Answer answer(Request request) throws IOException {
        Optional<Answer> refused = overLimits(request);
        if (refused.isPresent()) {
            // read what the client sends, so that it gets to read the answer
            Content.Source.consumeAll(request);
            return refused.get();
        }
        HttpURI uri = request.getHttpURI();
        Map<String, List<String>> query;
        try {
            query = query(uri.getQuery());
        } catch (IllegalArgumentException notPercentEncoding) {
            return badRequest();
        }
        String path = uri.getPath();
        for (HttpRoute route : routes) {
            Optional<Map<String, String>> parameters = route.match(request.getMethod(), path);
            if (parameters.isPresent()) {
                return invoke(request, route, parameters.get(), query);
            }
        }
        return gatewayAnswer(404, "{\"message\":\"Not Found\"}");
    }

    private Answer invoke(Request request, HttpRoute route, Map<String, String> pathParameters,
                          Map<String, List<String>> query) throws IOException {
        byte[] body = Content.Source.asInputStream(request).readNBytes((int) MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) { // a chunked body, sent without Content-Length
            return tooLarge();
        }
        Map<String, List<String>> headers = headers(request);
        ObjectNode event = route.httpApi()
                ? v2Event(request, route, pathParameters, query, headers, body)
                : v1Event(request, route, pathParameters, query, headers, body);
        byte[] payload = JSON.writeValueAsBytes(event);
        String function = route.function().config().name();
        String trigger = "http:" + route.routeKey();
        String requestLine = request.getMethod() + " " + request.getHttpURI().getPathQuery();
        CompletableFuture<InvocationResult> invocation = CompletableFuture.supplyAsync(
                () -> route.function().invoke(payload), task -> Thread.ofVirtual().name("api-" + function).start(task));
        Duration limit = timeouts.of(route.httpApi());
        Optional<InvocationResult> result = await(invocation, limit);
        if (result.isEmpty()) {
            Answer answer = integrationTimeout(route.httpApi());
            // API Gateway stops waiting, the function runs on until it ends or its own timeout
            invocation.thenAccept(late -> log.invoked(function, trigger, late, requestLine + " -> " + answer.status()
                    + " (API Gateway stopped waiting after " + limit.toSeconds() + " s)"));
            return answer;
        }
        Answer answer = result.get().succeeded()
                ? response(result.get().payload(), route.httpApi())
                : failure(route.httpApi());
        log.invoked(function, trigger, result.get(), requestLine + " -> " + answer.status());
        return answer;
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

    /**
     * The request's headers in the order they came, each name spelled as the client sent it
     * ({@link CaseKeepingHttpConnectionFactory}); names that differ only in case are one header,
     * spelled as it came first.
     */
    private static Map<String, List<String>> headers(Request request) {
        Map<String, String> spelling = new HashMap<>();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            String name = spelling.computeIfAbsent(field.getName().toLowerCase(Locale.ROOT), lower -> field.getName());
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(field.getValue());
        }
        return headers;
    }

    private ObjectNode v2Event(Request request, HttpRoute route, Map<String, String> pathParameters,
                               Map<String, List<String>> query, Map<String, List<String>> requestHeaders, byte[] body) {
        ObjectNode event = JSON.createObjectNode();
        String rawPath = request.getHttpURI().getPath();
        String rawQuery = request.getHttpURI().getQuery();
        event.put("version", "2.0");
        event.put("routeKey", route.routeKey());
        event.put("rawPath", rawPath);
        event.put("rawQueryString", rawQuery == null ? "" : rawQuery);
        List<String> cookies = new ArrayList<>();
        ObjectNode headers = event.putObject("headers");
        requestHeaders.forEach((name, values) -> {
            if (name.equalsIgnoreCase("Cookie")) {
                values.forEach(v -> cookies.addAll(List.of(v.split(";\\s*"))));
            } else {
                // an HTTP API lower-cases header names
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        if (!cookies.isEmpty()) {
            ArrayNode cookieArray = event.putArray("cookies");
            cookies.forEach(cookieArray::add);
        }
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
        http.put("method", request.getMethod());
        http.put("path", rawPath);
        http.put("protocol", request.getConnectionMetaData().getProtocol());
        http.put("sourceIp", Request.getRemoteAddr(request));
        http.put("userAgent", Optional.ofNullable(request.getHeaders().get("User-Agent")).orElse(""));
        Instant now = clock.instant();
        context.put("requestId", UUID.randomUUID().toString());
        context.put("routeKey", route.routeKey());
        context.put("stage", "$default");
        context.put("time", REQUEST_TIME.format(now));
        context.put("timeEpoch", now.toEpochMilli());
        // an HTTP API leaves body out when the request has none
        if (body.length > 0) {
            body(event, route, request, body);
        } else {
            event.put("isBase64Encoded", false);
        }
        return event;
    }

    private ObjectNode v1Event(Request request, HttpRoute route, Map<String, String> pathParameters,
                               Map<String, List<String>> query, Map<String, List<String>> requestHeaders, byte[] body) {
        ObjectNode event = JSON.createObjectNode();
        String path = URLDecoder.decode(request.getHttpURI().getPath().replace("+", "%2B"), StandardCharsets.UTF_8);
        event.put("resource", route.pathTemplate());
        event.put("path", path);
        event.put("httpMethod", request.getMethod());
        // a REST API keeps the client's spelling of header names
        ObjectNode headers = event.putObject("headers");
        ObjectNode multiHeaders = event.putObject("multiValueHeaders");
        requestHeaders.forEach((name, values) -> {
            headers.put(name, values.getLast());
            ArrayNode all = multiHeaders.putArray(name);
            values.forEach(all::add);
        });
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
        context.put("httpMethod", request.getMethod());
        context.put("path", "/Prod" + path);
        context.put("stage", "Prod");
        context.put("protocol", request.getConnectionMetaData().getProtocol());
        context.put("requestId", UUID.randomUUID().toString());
        context.put("requestTimeEpoch", clock.instant().toEpochMilli());
        ObjectNode identity = context.putObject("identity");
        identity.put("sourceIp", Request.getRemoteAddr(request));
        identity.put("userAgent", Optional.ofNullable(request.getHeaders().get("User-Agent")).orElse(""));
        // a REST API sends body null when the request has none
        if (body.length > 0) {
            body(event, route, request, body);
        } else {
            event.putNull("body");
            event.put("isBase64Encoded", false);
        }
        return event;
    }

    private static void body(ObjectNode event, HttpRoute route, Request request, byte[] body) {
        boolean base64 = route.base64(Optional.ofNullable(request.getHeaders().get("Content-Type")).orElse(""));
        event.put("body", base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8));
        event.put("isBase64Encoded", base64);
    }

    /**
     * @throws IllegalArgumentException when a name or value is not percent-encoding
     */
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

    record Answer(int status, Map<String, List<String>> headers, byte[] body) {}

    /**
     * Maps a function's answer as API Gateway does. Payload 2.0 (HttpApi): an object with
     * statusCode is a full response and any other valid JSON is the body of a 200
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response">AWS docs</a>);
     * payload 1.0 (REST): the answer must be an object with statusCode. Anything else is a 502.
     */
    static Answer response(byte[] payload, boolean httpApi) {
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (JacksonException e) {
            return badGateway();
        }
        if (root != null && root.isObject() && root.has("statusCode")) {
            return mapped(root, httpApi);
        }
        return httpApi ? new Answer(200, Map.of("Content-Type", List.of("application/json")), payload) : badGateway();
    }

    private static Answer mapped(JsonNode root, boolean httpApi) {
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
        return new Answer(statusNode.asInt(), headers, body);
    }

    /**
     * What API Gateway answers when the function fails: it throws, crashes or runs past its own
     * timeout. An HTTP API answers 500
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html">AWS docs</a>),
     * a REST API 502
     * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html">AWS docs</a>).
     */
    static Answer failure(boolean httpApi) {
        return httpApi ? gatewayAnswer(500, "{\"message\":\"Internal Server Error\"}") : badGateway();
    }

    /**
     * What API Gateway answers when it stops waiting for the function ({@link IntegrationTimeouts}):
     * an HTTP API 503, a REST API 504
     * (<a href="https://repost.aws/knowledge-center/api-gateway-504-errors">AWS docs</a>).
     */
    static Answer integrationTimeout(boolean httpApi) {
        return httpApi
                ? gatewayAnswer(503, "{\"message\":\"Service Unavailable\"}")
                : gatewayAnswer(504, "{\"message\": \"Endpoint request timed out\"}");
    }

    private static Answer badGateway() {
        return gatewayAnswer(502, "{\"message\": \"Internal server error\"}");
    }

    private static Answer gatewayAnswer(int status, String body) {
        return new Answer(status, Map.of("Content-Type", List.of("application/json")), body.getBytes(StandardCharsets.UTF_8));
    }

    /** Headers API Gateway sets itself on a response, whatever the function says. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection");

    private static void send(Response response, Answer answer, Callback callback) {
        response.setStatus(answer.status());
        answer.headers().forEach((name, values) -> {
            if (!FRAMING.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> response.getHeaders().add(name, value));
            }
        });
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
    }

    /**
     * What API Gateway answers for a request Jetty refuses before any route sees it (a path that
     * is not percent-encoding, a malformed request line or header, headers over Jetty's own limit):
     * API Gateway's JSON, never an HTML page.
     */
    private static final class GatewayErrors extends ErrorHandler {

        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message,
                                        Throwable cause, Callback callback) {
            String text = switch (code) {
                case 413 -> "Request Entity Too Large";
                case 414 -> "Request-URI Too Long";
                default -> HttpStatus.getMessage(code);
            };
            send(response, gatewayAnswer(code, "{\"message\":\"" + text + "\"}"), callback);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP API server did not stop", e);
        } finally {
            connector.close(); // the port opened in the constructor, should the server never have started
        }
    }
}
