package eventjobs.local.sources;

import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The API server in front of real function JVMs: the events it sends, what it answers when a
 * function fails, and what it answers itself, as API Gateway does, for requests no function sees.
 */
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

    /** An answer read off the socket, for requests the JDK's HTTP client cannot send as they are. */
    private record RawResponse(int status, Map<String, String> headers, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    /** Sends {@code head} (request line and headers, without the blank line after them) and {@code body} as they are. */
    private static RawResponse raw(HttpApiServer server, String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("localhost", server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String[] answer = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r\n\r\n", 2);
            String[] lines = answer[0].split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String[] field = lines[i].split(":", 2);
                headers.put(field[0].toLowerCase(Locale.ROOT), field[1].strip());
            }
            return new RawResponse(Integer.parseInt(lines[0].split(" ")[1]), headers, answer.length > 1 ? answer[1] : "");
        }
    }

    private static String get(String path, String... headers) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost" + (headers.length == 0 ? "" : "\r\n" + String.join("\r\n", headers));
    }

    /** Issue 9: the JDK's server spelled every header name its own way (User-agent, Content-type). */
    @Test
    void restApi_shouldKeepEachHeaderNameAsTheClientSpelledIt_andHttpApiLowerCaseThem() throws Exception {
        HttpApiServer server = server(pool("Http", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());
        String head = "POST %s HTTP/1.1\r\nHost: localhost\r\nuser-agent: curl/8\r\nContent-type: text/plain\r\n"
                + "X-Mixed-CASE: a\r\nx-mixed-case: b\r\nACCEPT: */*\r\nAuthorization: Bearer t";
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);

        JsonNode rest = raw(server, head.formatted("/rest"), body).json();
        JsonNode http = raw(server, head.formatted("/http"), body).json();

        assertThat(rest.get("headers").propertyNames()).contains("user-agent", "Content-type", "X-Mixed-CASE", "ACCEPT",
                "Authorization", "Connection", "Content-Length");
        assertThat(rest.at("/headers/X-Mixed-CASE").asString()).isEqualTo("b");
        assertThat(rest.at("/multiValueHeaders/X-Mixed-CASE").valueStream().map(JsonNode::asString).toList()).containsExactly("a", "b");
        assertThat(rest.get("multiValueHeaders").propertyNames()).contains("user-agent", "Content-type", "ACCEPT");
        assertThat(rest.at("/requestContext/identity/userAgent").asString()).isEqualTo("curl/8");
        assertThat(http.get("headers").propertyNames()).contains("user-agent", "content-type", "x-mixed-case", "accept")
                .allSatisfy(name -> assertThat(name).isLowerCase());
        assertThat(http.at("/headers/x-mixed-case").asString()).isEqualTo("a,b");
    }

    /** Issue 9: the JDK's server answered these with an HTML page, or closed the connection. */
    @Test
    void server_shouldAnswerApiGatewaysJson_forARequestNoRouteCanRead() throws Exception {
        HttpApiServer server = server(pool("Http", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());

        for (RawResponse refused : List.of(raw(server, get("/rest/%zz"), new byte[0]), raw(server, get("/http%"), new byte[0]),
                raw(server, get("/http?q=%zz"), new byte[0]), raw(server, get("/rest?q=%"), new byte[0]),
                raw(server, "GET /http\"x HTTP/1.1\r\nHost: localhost", new byte[0]),
                raw(server, get("/http", "Bad Header: x"), new byte[0]))) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.headers()).containsEntry("content-type", "application/json");
            assertThat(refused.body()).isEqualTo("{\"message\":\"Bad Request\"}");
        }
    }

    @Test
    void server_shouldPassThreeHundredSmallHeaders_andAnswer431_whenTheyExceedTenKilobytes() throws Exception {
        HttpApiServer server = server(pool("Http", Duration.ofSeconds(10)), HttpApiServer.IntegrationTimeouts.aws());
        String[] small = new String[300];
        String[] large = new String[300];
        String[] overJettysOwnLimit = new String[300];
        for (int i = 0; i < 300; i++) {
            small[i] = "X-H" + i + ": v";
            large[i] = "X-H" + i + ": " + "v".repeat(40);
            overJettysOwnLimit[i] = "X-H" + i + ": " + "v".repeat(250);
        }

        RawResponse passed = raw(server, get("/rest", small), new byte[0]);
        RawResponse tooLarge = raw(server, get("/rest", large), new byte[0]);
        RawResponse tooLargeForJetty = raw(server, get("/rest", overJettysOwnLimit), new byte[0]);

        assertThat(passed.status()).isEqualTo(201);
        assertThat(passed.json().at("/headers/X-H299").asString()).isEqualTo("v");
        for (RawResponse refused : List.of(tooLarge, tooLargeForJetty)) {
            assertThat(refused.status()).isEqualTo(431);
            assertThat(refused.headers()).containsEntry("content-type", "application/json");
            assertThat(refused.body()).isEqualTo("{\"message\":\"Request Header Fields Too Large\"}");
        }
    }

    @Test
    void routes_shouldSeeThePathAsSent_withEncodedSlashesDotsAndEmptySegments() throws Exception {
        HttpApiServer server = new HttpApiServer(0, InvocationLog.discard(), Clock.systemUTC(), HttpApiServer.IntegrationTimeouts.aws());
        server.route("ANY", "/v2/{proxy+}", true, List.of(), pool("Http", Duration.ofSeconds(10)));
        open.add(server);
        server.start();

        for (String path : List.of("/v2/a%2Fb", "/v2/a//b", "/v2/%2e%2e/x", "/v2/100%25", "/v2/%C3")) {
            RawResponse response = raw(server, get(path), new byte[0]);

            assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(201);
            assertThat(response.json().get("rawPath").asString()).isEqualTo(path);
        }
    }

    @Test
    void server_shouldThrowBindException_whenItsPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> new HttpApiServer(taken.getLocalPort(), InvocationLog.discard(), Clock.systemUTC(),
                    HttpApiServer.IntegrationTimeouts.aws())).isInstanceOf(BindException.class);
        }
    }

    @Test
    void close_shouldFreeThePort_whenTheServerNeverStarted() throws Exception {
        HttpApiServer server = new HttpApiServer(0, InvocationLog.discard(), Clock.systemUTC(), HttpApiServer.IntegrationTimeouts.aws());
        int port = server.port();

        server.close();

        try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }
}
