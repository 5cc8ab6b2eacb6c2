package eventjobs.local;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Answers for the local runtime's small HTTP servers. */
public final class Http {

    private Http() {}

    /** {@code {"error": message}}, as every JSON endpoint of the runtime words a refusal. */
    public static String error(String message) {
        return tools.jackson.databind.json.JsonMapper.shared().writeValueAsString(java.util.Map.of("error", message));
    }

    /** Sends {@code json} with {@code status}; call once per exchange. */
    public static void json(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
