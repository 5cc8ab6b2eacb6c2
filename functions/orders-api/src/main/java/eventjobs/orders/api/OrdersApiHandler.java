package eventjobs.orders.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderStore;
import eventjobs.orders.SqsOrderQueue;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * OrdersApiFunction, behind an HTTP API (payload format 2.0):
 * <ul>
 *   <li>{@code POST /orders}: places an order, honouring an {@code Idempotency-Key} header, and
 *       answers 202 {@code {orderId, status, links}} with a {@code Location} header;</li>
 *   <li>{@code GET /orders/{orderId}}: the order's state, or 404.</li>
 * </ul>
 * Client mistakes get a 4xx with {@code {"error", "details"}}; nothing is queued for them.
 * Environment: {@code ORDERS_TABLE}, {@code ORDERS_QUEUE_URL}.
 */
public class OrdersApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** The largest request body accepted. */
    static final int MAX_BODY_BYTES = 256 * 1024;
    private static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
    private static final JsonMapper JSON = JsonMapper.shared();

    private final PlaceOrder placeOrder;
    private final OrderStore orders;

    /** Used by Lambda: builds the clients once per execution environment. */
    public OrdersApiHandler() {
        this(Env.fromSystem(), AwsClients.fromEnvironment(), Clock.systemUTC());
    }

    private OrdersApiHandler(Env env, AwsClients aws, Clock clock) {
        this(new DynamoDbOrderStore(aws.dynamoDb(), env.require("ORDERS_TABLE")), aws.sqs(),
                env.require("ORDERS_QUEUE_URL"), clock);
    }

    private OrdersApiHandler(OrderStore orders, SqsClient sqs, String queueUrl, Clock clock) {
        this(new PlaceOrder(orders, new SqsOrderQueue(sqs, queueUrl, "/orders-api", new EventCodec(), clock),
                new EventCodec(), clock), orders);
    }

    public OrdersApiHandler(PlaceOrder placeOrder, OrderStore orders) {
        this.placeOrder = placeOrder;
        this.orders = orders;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
        try {
            String route = request.getRouteKey() == null ? "" : request.getRouteKey();
            return switch (route) {
                case "POST /orders" -> post(request);
                case "GET /orders/{orderId}" -> get(request);
                default -> throw ApiError.notFound("no route " + route);
            };
        } catch (ApiError error) {
            return error(error);
        } catch (SdkException unavailable) {
            log(context, LogLevel.WARN, "dependency failed: " + unavailable);
            return error(new ApiError(503, "a dependency is unavailable, retry later", List.of()));
        } catch (RuntimeException bug) {
            log(context, LogLevel.ERROR, "unexpected failure: " + bug);
            String requestId = context == null ? "" : context.getAwsRequestId();
            return error(new ApiError(500, "internal error", List.of(new Violation("", "request id " + requestId))));
        }
    }

    private APIGatewayV2HTTPResponse post(APIGatewayV2HTTPEvent request) {
        String contentType = header(request, "content-type").orElse("");
        if (!contentType.toLowerCase(Locale.ROOT).matches("application/json\\s*(;.*)?")) {
            throw new ApiError(415, "the request body must be application/json",
                    List.of(new Violation("content-type", "was '" + contentType + "'")));
        }
        JsonNode body = parse(body(request));
        Optional<String> key = header(request, "idempotency-key");
        if (key.isPresent() && !IDEMPOTENCY_KEY.matcher(key.get()).matches()) {
            throw ApiError.badRequest("invalid Idempotency-Key header",
                    List.of(new Violation("idempotency-key", "must be 1 to 255 visible ASCII characters")));
        }
        PlaceOrder.Placed placed = placeOrder.place(body, key, caller(request));
        String self = "/orders/" + placed.orderId();
        ObjectNode response = JSON.createObjectNode()
                .put("orderId", placed.orderId())
                .put("status", "ACCEPTED");
        response.putObject("links").put("self", self);
        Map<String, String> headers = placed.replayed()
                ? Map.of("Location", self, "Idempotent-Replayed", "true")
                : Map.of("Location", self);
        return json(202, response, headers);
    }

    private APIGatewayV2HTTPResponse get(APIGatewayV2HTTPEvent request) {
        String orderId = request.getPathParameters() == null ? "" : request.getPathParameters().getOrDefault("orderId", "");
        if (!ORDER_ID.matcher(orderId).matches()) {
            throw ApiError.badRequest("invalid order id",
                    List.of(new Violation("orderId", "must be 1 to 64 letters, digits, '-' or '_'")));
        }
        Order order = orders.find(orderId).orElseThrow(() -> ApiError.notFound("no order " + orderId));
        return json(200, view(order), Map.of());
    }

    private static ObjectNode view(Order order) {
        ObjectNode view = JSON.createObjectNode()
                .put("orderId", order.orderId())
                .put("status", order.status().name())
                .put("customerId", order.customerId())
                .put("currency", order.currency().getCurrencyCode());
        ArrayNode lines = view.putArray("lines");
        for (OrderLine line : order.lines()) {
            lines.addObject().put("sku", line.sku()).put("quantity", line.quantity())
                    .put("unitPrice", line.unitPrice().toPlainString());
        }
        order.total().ifPresent(total -> view.put("total", total.toPlainString()));
        order.reason().ifPresent(reason -> view.put("reason", reason));
        order.acceptedAt().ifPresent(at -> view.put("acceptedAt", at.toString()));
        order.decidedAt().ifPresent(at -> view.put("decidedAt", at.toString()));
        view.putObject("links").put("self", "/orders/" + order.orderId());
        return view;
    }

    private static String body(APIGatewayV2HTTPEvent request) {
        String raw = request.getBody();
        if (raw == null || raw.isEmpty()) {
            throw ApiError.badRequest("the request body is empty");
        }
        byte[] bytes;
        if (request.getIsBase64Encoded()) {
            try {
                bytes = Base64.getDecoder().decode(raw);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("the request body is not valid base64");
            }
        } else {
            bytes = raw.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new ApiError(413, "the request body is larger than " + MAX_BODY_BYTES + " bytes",
                    List.of(new Violation("", "was " + bytes.length + " bytes")));
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            var location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw ApiError.badRequest("the request body is not valid JSON",
                    List.of(new Violation("", e.getOriginalMessage() + where)));
        }
    }

    private static String caller(APIGatewayV2HTTPEvent request) {
        var context = request.getRequestContext();
        if (context != null && context.getAuthorizer() != null && context.getAuthorizer().getIam() != null
                && context.getAuthorizer().getIam().getUserArn() != null) {
            return context.getAuthorizer().getIam().getUserArn();
        }
        return "anonymous";
    }

    private static Optional<String> header(APIGatewayV2HTTPEvent request, String name) {
        if (request.getHeaders() == null) {
            return Optional.empty();
        }
        // HTTP APIs lower-case header names; be lenient with events built elsewhere.
        return request.getHeaders().entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    private static APIGatewayV2HTTPResponse error(ApiError error) {
        ObjectNode body = JSON.createObjectNode().put("error", error.error());
        ArrayNode details = body.putArray("details");
        for (Violation violation : error.details()) {
            details.addObject().put("field", violation.field()).put("message", violation.message());
        }
        return json(error.status(), body, Map.of());
    }

    private static APIGatewayV2HTTPResponse json(int status, JsonNode body, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Content-Type", "application/json");
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(all)
                .withBody(JSON.writeValueAsString(body))
                .withIsBase64Encoded(false)
                .build();
    }

    private static void log(Context context, LogLevel level, String line) {
        if (context != null && context.getLogger() != null) {
            context.getLogger().log(line, level);
        }
    }
}
