package eventjobs.local.sources;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import eventjobs.local.Http;
import eventjobs.local.runtime.InvocationResult;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's Invoke API (<a href="https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html">AWS docs</a>)
 * for the template's functions, so that a function's SDK LambdaClient reaches its peers through
 * {@code AWS_ENDPOINT_URL_LAMBDA}: RequestResponse answers 200 with the payload (and
 * {@code X-Amz-Function-Error: Unhandled} when the function failed), Event answers 202 and runs
 * it with the async rules, DryRun answers 204. Functions are named by name, ARN or partial ARN,
 * with or without a qualifier. Thread-safe.
 */
public final class LambdaApi implements AutoCloseable {

    private static final Pattern PATH = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");

    private final HttpServer server;
    private final Function<String, Optional<FunctionTarget>> functions;
    private final InvocationLog log;
    private final DeliveryFaults faults;

    /**
     * Listens on {@code port} (0: any free one) of the loopback interface.
     *
     * @param functions the function of the template with a name, if any
     */
    public LambdaApi(int port, Function<String, Optional<FunctionTarget>> functions, InvocationLog log) throws IOException {
        this(port, functions, log, DeliveryFaults.NONE);
    }

    /** Like {@link #LambdaApi(int, Function, InvocationLog)}, throttling the calls {@code faults} chooses (chaos mode). */
    public LambdaApi(int port, Function<String, Optional<FunctionTarget>> functions, InvocationLog log, DeliveryFaults faults)
            throws IOException {
        this.functions = functions;
        this.log = log;
        this.faults = faults;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public URI uri() {
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    /** The function name in a name, an ARN or a partial ARN, without its qualifier. */
    public static String functionName(String reference) {
        String name = reference;
        int function = name.indexOf("function:");
        if (function >= 0) {
            name = name.substring(function + "function:".length());
        }
        int qualifier = name.indexOf(':');
        return qualifier >= 0 ? name.substring(0, qualifier) : name;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher matcher = PATH.matcher(exchange.getRequestURI().getRawPath());
            if (!exchange.getRequestMethod().equals("POST") || !matcher.matches()) {
                error(exchange, 404, "UnknownOperationException", "only Invoke is served here");
                return;
            }
            String reference = URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8);
            Optional<FunctionTarget> target = functions.apply(functionName(reference));
            if (target.isEmpty()) {
                error(exchange, 404, "ResourceNotFoundException", "Function not found: " + reference);
                return;
            }
            byte[] payload = exchange.getRequestBody().readAllBytes();
            String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type")).orElse("RequestResponse");
            if (!type.equals("DryRun") && faults.throttle(target.get().name(), type)) {
                // what Lambda answers when the function's concurrency is exhausted; SDKs retry it
                exchange.getResponseHeaders().add("x-amzn-ErrorType", "TooManyRequestsException");
                Http.json(exchange, 429, "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\","
                        + "\"message\":\"Rate Exceeded.\"}");
                return;
            }
            exchange.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
            switch (type) {
                case "Event" -> {
                    String requestId = target.get().async().submit(payload.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : payload,
                            "lambda:invoke-async");
                    exchange.getResponseHeaders().add("X-Amzn-RequestId", requestId);
                    exchange.sendResponseHeaders(202, -1);
                }
                case "DryRun" -> exchange.sendResponseHeaders(204, -1);
                case "RequestResponse" -> {
                    InvocationResult result = target.get().pool().invoke(payload.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : payload);
                    log.invoked(functionName(reference), "lambda:invoke", result, "");
                    if (!result.succeeded()) {
                        exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
                    }
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    byte[] body = result.payload();
                    exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                    if (body.length > 0) {
                        exchange.getResponseBody().write(body);
                    }
                }
                default -> error(exchange, 400, "InvalidParameterValueException",
                        "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, was " + type);
            }
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
        Http.json(exchange, status, "{\"Type\":\"User\",\"message\":\"" + message.replace("\"", "'") + "\"}");
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
