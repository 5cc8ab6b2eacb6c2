package eventjobs.orders.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import eventjobs.core.Env;
import eventjobs.core.api.ApiError;
import eventjobs.core.api.HttpApi;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.core.snapstart.Priming;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderQueue;
import eventjobs.orders.OrderStore;
import eventjobs.orders.SqsOrderQueue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * OrdersApiFunction, behind an HTTP API (payload format 2.0):
 * <ul>
 *   <li>{@code POST /orders}: places an order, honouring an {@code Idempotency-Key} header, and
 *       answers 202 {@code {orderId, status, links}} with a {@code Location} header;</li>
 *   <li>{@code GET /orders/{orderId}}: the order's state (PAID with its {@code payment} once its payment
 *       was captured), or 404.</li>
 * </ul>
 * Client mistakes get a 4xx with {@code {"error", "details"}}; nothing is queued for them.
 * Environment: {@code ORDERS_TABLE}, {@code ORDERS_QUEUE_URL}.
 */
public class OrdersApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final JsonMapper JSON = JsonMapper.shared();

    private final PlaceOrder placeOrder;
    private final OrderStore orders;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public OrdersApiHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        EventCodec codec = new EventCodec();
        OrderStore orders = new DynamoDbOrderStore(aws.dynamoDb(), env.require("ORDERS_TABLE"));
        OrderQueue queue = new SqsOrderQueue(aws.sqs(), env.require("ORDERS_QUEUE_URL"), "/orders-api", codec, clock);
        this(new PlaceOrder(orders, queue, codec, clock), orders);
        this.priming = Priming.register(aws, Priming.events(codec, () -> OrderPlaced.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.sqs());
    }

    public OrdersApiHandler(PlaceOrder placeOrder, OrderStore orders) {
        this.placeOrder = placeOrder;
        this.orders = orders;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
        return HttpApi.handle(request, context, Map.of(
                "POST /orders", this::post,
                "GET /orders/{orderId}", this::get));
    }

    private APIGatewayV2HTTPResponse post(APIGatewayV2HTTPEvent request) {
        JsonNode body = HttpApi.jsonBody(request);
        Optional<String> key = HttpApi.idempotencyKey(request);
        PlaceOrder.Placed placed = placeOrder.place(body, key, HttpApi.caller(request));
        String self = "/orders/" + placed.orderId();
        ObjectNode response = JSON.createObjectNode()
                .put("orderId", placed.orderId())
                .put("status", "ACCEPTED");
        response.putObject("links").put("self", self);
        Map<String, String> headers = placed.replayed()
                ? Map.of("Location", self, "Idempotent-Replayed", "true")
                : Map.of("Location", self);
        return HttpApi.json(202, response, headers);
    }

    private APIGatewayV2HTTPResponse get(APIGatewayV2HTTPEvent request) {
        String orderId = HttpApi.pathParameter(request, "orderId");
        if (!ORDER_ID.matcher(orderId).matches()) {
            throw ApiError.badRequest("invalid order id",
                    List.of(new Violation("orderId", "must be 1 to 64 letters, digits, '-' or '_'")));
        }
        Order order = orders.find(orderId).orElseThrow(() -> ApiError.notFound("no order " + orderId));
        return HttpApi.json(200, view(order), Map.of());
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
        order.payment().ifPresent(payment -> view.putObject("payment")
                .put("paymentId", payment.paymentId())
                .put("amount", payment.amount().toPlainString())
                .put("paidAt", payment.paidAt().toString()));
        view.putObject("links").put("self", "/orders/" + order.orderId());
        return view;
    }
}
