package eventjobs.local.sources;

import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The API server in front of real function JVMs, answering as API Gateway does when a function fails. */
class HttpApiServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    /** One server with an HTTP API route {@code /http} and a REST route {@code /rest}, both to {@code function}. */
    private HttpApiServer server(FunctionPool function, HttpApiServer.IntegrationTimeouts timeouts) throws Exception {
        HttpApiServer server = new HttpApiServer(0, InvocationLog.discard(), Clock.systemUTC(), timeouts);
        server.route("ANY", "/http", true, function);
        server.route("ANY", "/rest", false, function);
        open.add(server);
        server.start();
        return server;
    }

    private static HttpResponse<String> get(HttpApiServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void invoke_shouldAnswer500OnHttpApi_and502OnRestApi_whenFunctionThrows() throws Exception {
        HttpApiServer server = server(pool("Fails", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());

        HttpResponse<String> http = get(server, "/http");
        HttpResponse<String> rest = get(server, "/rest");

        assertThat(http.statusCode()).isEqualTo(500);
        assertThat(http.body()).isEqualTo("{\"message\":\"Internal Server Error\"}");
        assertThat(rest.statusCode()).isEqualTo(502);
        assertThat(rest.body()).isEqualTo("{\"message\": \"Internal server error\"}");
    }

    @Test
    void invoke_shouldAnswerAsForAFailure_whenFunctionTimesOutWithinTheIntegrationTimeout() throws Exception {
        HttpApiServer server = server(pool("Sleeps", Duration.ofSeconds(1)), HttpApiServer.IntegrationTimeouts.aws());

        HttpResponse<String> http = get(server, "/http");
        HttpResponse<String> rest = get(server, "/rest");

        assertThat(http.statusCode()).isEqualTo(500);
        assertThat(http.body()).isEqualTo("{\"message\":\"Internal Server Error\"}");
        assertThat(rest.statusCode()).isEqualTo(502);
        assertThat(rest.body()).isEqualTo("{\"message\": \"Internal server error\"}");
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
