package eventjobs.local.sources;

import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The API server in front of real function JVMs: the events it sends and what it answers when a function fails. */
class HttpApiServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.shared();

    @TempDir
    Path runtimeDirectory;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable resource : open.reversed()) {
            resource.close();
        }
    }

    private FunctionPool pool(String handlerClass, Duration timeout) {
        FunctionConfig config = new FunctionConfig(handlerClass + "Function", "eventjobs.local.fixtures." + handlerClass
                + "::handleRequest", FixtureCode.directory(), timeout, 256, Map.of(), 2);
        FunctionPool pool = new FunctionPool(config, runtimeDirectory, (function, line) -> { });
        open.add(pool);
        return pool;
    }

    /**
     * One server with an HTTP API route {@code /http} and a REST route {@code /rest} (BinaryMediaTypes
     * {@code image/*}), both to {@code function}.
     */
    private HttpApiServer server(FunctionPool function, HttpApiServer.IntegrationTimeouts timeouts) throws Exception {
        HttpApiServer server = new HttpApiServer(0, InvocationLog.discard(), Clock.systemUTC(), timeouts);
        server.route("ANY", "/http", true, List.of(), function);
        server.route("ANY", "/rest", false, List.of("image/*"), function);
        open.add(server);
        server.start();
        return server;
    }

    private static HttpResponse<String> get(HttpApiServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The event the Http fixture received for a POST of {@code body} with {@code contentType}. */
    private static JsonNode posted(HttpApiServer server, String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return JSON.readTree(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void restApi_shouldBase64OnlyTheBinaryMediaTypesOfTheApi() throws Exception {
        HttpApiServer server = server(pool("Http", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());
        byte[] bytes = {1, 2, 'b', 'i', 'n'};

        JsonNode octets = posted(server, "/rest", "octets".getBytes(StandardCharsets.UTF_8), "application/octet-stream");
        JsonNode image = posted(server, "/rest", bytes, "image/png");
        JsonNode empty = posted(server, "/rest", new byte[0], null);

        assertThat(octets.get("isBase64Encoded").asBoolean()).isFalse();
        assertThat(octets.get("body").asString()).isEqualTo("octets");
        assertThat(image.get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(Base64.getDecoder().decode(image.get("body").asString())).isEqualTo(bytes);
        assertThat(empty.get("body").isNull()).isTrue();
    }

    @Test
    void httpApi_shouldBase64NonTextBodies_andLeaveBodyOut_whenThereIsNone() throws Exception {
        HttpApiServer server = server(pool("Http", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());

        JsonNode octets = posted(server, "/http", "octets".getBytes(StandardCharsets.UTF_8), "application/octet-stream");
        JsonNode json = posted(server, "/http", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), "application/json; charset=utf-8");
        JsonNode empty = posted(server, "/http", new byte[0], null);

        assertThat(octets.get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(octets.get("body").asString()).isEqualTo(Base64.getEncoder().encodeToString("octets".getBytes(StandardCharsets.UTF_8)));
        assertThat(json.get("isBase64Encoded").asBoolean()).isFalse();
        assertThat(json.get("body").asString()).isEqualTo("{\"a\":1}");
        assertThat(empty.has("body")).isFalse();
        assertThat(empty.get("isBase64Encoded").asBoolean()).isFalse();
    }

    /** What API Gateway answers for a function that failed: 500 on an HTTP API, 502 on a REST API. */
    private void assertAnswersAsForAFailedFunction(HttpApiServer server) throws Exception {
        HttpResponse<String> http = get(server, "/http");
        HttpResponse<String> rest = get(server, "/rest");

        assertThat(http.statusCode()).isEqualTo(500);
        assertThat(http.body()).isEqualTo("{\"message\":\"Internal Server Error\"}");
        assertThat(rest.statusCode()).isEqualTo(502);
        assertThat(rest.body()).isEqualTo("{\"message\": \"Internal server error\"}");
    }

    @Test
    void invoke_shouldAnswer500OnHttpApi_and502OnRestApi_whenFunctionThrows() throws Exception {
        HttpApiServer server = server(pool("Fails", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());


        assertAnswersAsForAFailedFunction(server);
    }

    @Test
    void invoke_shouldAnswerAsForAFailure_whenFunctionTimesOutWithinTheIntegrationTimeout() throws Exception {
        HttpApiServer server = server(pool("Sleeps", Duration.ofSeconds(1)), HttpApiServer.IntegrationTimeouts.aws());


        assertAnswersAsForAFailedFunction(server);
    }

    @Test
    void invoke_shouldAnswer503OnHttpApi_and504OnRestApi_whenApiGatewayStopsWaiting() throws Exception {
        // the function may run 60 s; API Gateway waits 30 s (HTTP API) or 29 s (REST), here scaled down
        HttpApiServer server = server(pool("Sleeps", Duration.ofSeconds(60)),
                new HttpApiServer.IntegrationTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(2)));

        HttpResponse<String> http = get(server, "/http");
        HttpResponse<String> rest = get(server, "/rest");

        assertThat(http.statusCode()).isEqualTo(503);
        assertThat(http.body()).isEqualTo("{\"message\":\"Service Unavailable\"}");
        assertThat(rest.statusCode()).isEqualTo(504);
        assertThat(rest.body()).isEqualTo("{\"message\": \"Endpoint request timed out\"}");
    }
}
