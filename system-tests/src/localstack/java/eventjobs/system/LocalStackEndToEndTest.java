package eventjobs.system;

import cloud.localstack.Localstack;
import cloud.localstack.docker.LocalstackDockerExtension;
import cloud.localstack.docker.annotation.LocalstackDockerProperties;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The order pipeline of template.yaml on the local runtime, with LocalStack as the AWS endpoint. */
@ExtendWith({DockerRequired.class, LocalstackDockerExtension.class})
@LocalstackDockerProperties(services = {"sqs", "dynamodb", "s3"})
class LocalStackEndToEndTest {

    @Test
    void order_shouldBeConfirmed_withLocalStackAsTheEndpoint() throws Exception {
        Path root = Path.of(System.getProperty("eventjobs.root"));
        EmbeddedAws localstack = EmbeddedAws.external(URI.create("http://localhost:" + Localstack.INSTANCE.getEdgePort()));
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(root.resolve("template.yaml")).stackName("ls")
                .workDirectory(Files.createTempDirectory("localstack")).build(), localstack,
                FunctionLogs.toStandardError(), InvocationLog.text(System.out))) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://localhost:" + runtime.api().orElseThrow().port();
            HttpResponse<String> placed = http.send(HttpRequest.newBuilder(URI.create(base + "/orders"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"customerId\":\"ls\",\"currency\":\"EUR\","
                            + "\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unitPrice\":\"2.00\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(placed.statusCode()).isEqualTo(202);
            URI self = URI.create(base + JsonMapper.shared().readTree(placed.body()).at("/links/self").asString());
            await("order " + self + " CONFIRMED").atMost(Duration.ofMinutes(1)).until(() -> JsonMapper.shared()
                    .readTree(http.send(HttpRequest.newBuilder(self).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .path("status").asString(""), "CONFIRMED"::equals);
        }
    }
}
