package eventjobs.core.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Log;
import eventjobs.core.events.Violation;
import software.amazon.awssdk.core.exception.SdkException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reading HTTP API (payload 2.0) requests and writing JSON answers, the same way for every API
 * function: client mistakes become an {@link ApiError}, which {@link #error} turns into
 * {@code {"error": "...", "details": [{"field", "message"}]}}.
 */
public final class HttpApi {

    /** The largest request body accepted. */
    public static final int MAX_BODY_BYTES = 256 * 1024;

    private static final JsonMapper JSON = JsonMapper.shared();
    /** Reads request bodies: a key given twice is refused, not "last one wins" (which hides a client bug). */
    private static final JsonMapper STRICT = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final java.util.regex.Pattern IDEMPOTENCY_KEY = java.util.regex.Pattern.compile("[\\x21-\\x7E]{1,255}");

    private HttpApi() {}

    /** Answers a request for one of {@code routes} (by route key, e.g. {@code "POST /orders"}). */
    public interface Route extends java.util.function.Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {}

    /**
     * Dispatches by route key and maps failures in one place: an {@link ApiError} to its status,
     * an AWS SDK failure (a dependency down or throttling) to 503, anything else to 500 with the
     * request id, logged.
     */
    public static APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent request, Context context, Map<String, Route> routes) {
        if (request == null || request.getRouteKey() == null) {
            // another trigger's event, or a JSON value that is no event at all (`[]`): the
            // serializer leaves every field empty, so say what was expected instead of failing on it
            return error(ApiError.badRequest("the event is not an API Gateway HTTP API request (payload format 2.0)",
                    List.of(new Violation("routeKey", "is missing"))));
        }
        try {
            String route = request.getRouteKey();
            Route handler = routes.get(route);
            if (handler == null) {
                throw ApiError.notFound("no route " + route);
            }
            return handler.apply(request);
        } catch (ApiError error) {
            return error(error);
        } catch (SdkException unavailable) {
            Log.line(context, LogLevel.WARN, "dependency failed: " + unavailable);
            return error(new ApiError(503, "a dependency is unavailable, retry later", List.of()));
        } catch (RuntimeException bug) {
            Log.line(context, LogLevel.ERROR, "unexpected failure: " + bug);
            return error(new ApiError(500, "internal error",
                    List.of(new Violation("", "request id " + context.getAwsRequestId()))));
        }
    }

    /**
     * The client's {@code Idempotency-Key}, if it sent one.
     *
     * @throws ApiError 400 when it is not 1 to 255 visible ASCII characters
     */
    public static Optional<String> idempotencyKey(APIGatewayV2HTTPEvent request) {
        Optional<String> key = header(request, "idempotency-key");
        if (key.isPresent() && !IDEMPOTENCY_KEY.matcher(key.get()).matches()) {
            throw ApiError.badRequest("invalid Idempotency-Key header",
                    List.of(new Violation("idempotency-key", "must be 1 to 255 visible ASCII characters")));
        }
        return key;
    }

    /** A header, whatever the case of its name (HTTP APIs lower-case them; other callers may not). */
    public static Optional<String> header(APIGatewayV2HTTPEvent request, String name) {
        if (request.getHeaders() == null) {
            return Optional.empty();
        }
        return request.getHeaders().entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    /**
     * The body of a JSON request, parsed.
     *
     * @throws ApiError 415 for another content type, 413 over {@link #MAX_BODY_BYTES}, 400 when empty or not JSON
     */
    public static JsonNode jsonBody(APIGatewayV2HTTPEvent request) {
        String contentType = header(request, "content-type").orElse("");
        if (!contentType.toLowerCase(Locale.ROOT).matches("application/json\\s*(;.*)?")) {
            throw new ApiError(415, "the request body must be application/json",
                    List.of(new Violation("content-type", "was '" + contentType + "'")));
        }
        byte[] bytes = rawBody(request);
        if (bytes.length > MAX_BODY_BYTES) {
            throw tooLarge(bytes.length, MAX_BODY_BYTES);
        }
        return parseJson(bytes);
    }

    /**
     * The request body as the client sent it, byte for byte (API Gateway base64-encodes bodies
     * that are not text): what a signature over the body is computed on. Empty when there is none.
     *
     * @throws ApiError 400 when the event says base64 but the body is not
     */
    public static byte[] rawBody(APIGatewayV2HTTPEvent request) {
        String raw = request.getBody();
        if (raw == null || raw.isEmpty()) {
            return new byte[0];
        }
        if (request.getIsBase64Encoded()) {
            try {
                return Base64.getDecoder().decode(raw);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("the request body is not valid base64");
            }
        }
        return raw.getBytes(StandardCharsets.UTF_8);
    }

    /** The 413 for a body of {@code length} bytes over {@code limit}. */
    public static ApiError tooLarge(int length, int limit) {
        return new ApiError(413, "the request body is larger than " + limit + " bytes",
                List.of(new Violation("", "was " + length + " bytes")));
    }

    /**
     * Parses a JSON request body; a key given twice is refused.
     *
     * @throws ApiError 400 when it is empty or not JSON, with where it stops being JSON
     */
    public static JsonNode parseJson(byte[] body) {
        if (body.length == 0) {
            throw ApiError.badRequest("the request body is empty");
        }
        try {
            return STRICT.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            var location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw ApiError.badRequest("the request body is not valid JSON",
                    List.of(new Violation("", e.getOriginalMessage() + where)));
        }
    }

    /** Who is calling: the IAM principal when the API authorizes with IAM, else "anonymous". */
    public static String caller(APIGatewayV2HTTPEvent request) {
        var context = request.getRequestContext();
        if (context != null && context.getAuthorizer() != null && context.getAuthorizer().getIam() != null
                && context.getAuthorizer().getIam().getUserArn() != null) {
            return context.getAuthorizer().getIam().getUserArn();
        }
        return "anonymous";
    }

    public static String pathParameter(APIGatewayV2HTTPEvent request, String name) {
        return request.getPathParameters() == null ? "" : request.getPathParameters().getOrDefault(name, "");
    }

    public static APIGatewayV2HTTPResponse error(ApiError error) {
        ObjectNode body = JSON.createObjectNode().put("error", error.error());
        ArrayNode details = body.putArray("details");
        for (Violation violation : error.details()) {
            details.addObject().put("field", violation.field()).put("message", violation.message());
        }
        return json(error.status(), body, Map.of());
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("Content-Type", "application/json");
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(all)
                .withBody(JSON.writeValueAsString(body))
                .withIsBase64Encoded(false)
                .build();
    }
}
