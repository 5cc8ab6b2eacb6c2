package eventjobs.local.cli;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a user meets it: exit statuses and the one line that says what is wrong. */
class MainTest {

    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void template() throws IOException {
        FixtureCode.zip(dir);
        Files.writeString(dir.resolve("template.yaml"), """
                Globals:
                  Function: { Runtime: java25, CodeUri: fixtures.zip, Timeout: 10 }
                Resources:
                  Jobs: { Type: AWS::SQS::Queue }
                  Web:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Http::handleRequest
                      Events:
                        Get: { Type: HttpApi, Properties: { Method: GET, Path: /things } }
                """);
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--help")) {
            all.addAll(List.of("-t", dir.resolve("template.yaml").toString(), "--work-dir", dir.resolve("work").toString()));
        }
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(all.toArray(String[]::new));
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"start", "invoke", "provision", "queues", "redrive", "publish"})
    void help_shouldExit0_forEveryCommand(String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: eventjobs-local " + command);
    }

    /** A command that takes no template. */
    private int runBare(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void publish_shouldAskForTheQueue_inOneLine() {
        assertThat(runBare("publish", "{}")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("eventjobs-local: publish needs --queue <name> (a RabbitMQ queue of the template's"
                + " MQ events)" + System.lineSeparator());
    }

    @Test
    void publish_shouldSayNoBrokerAnswers_whenNothingRunsOnThePort() throws IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }

        assertThat(runBare("publish", "--queue", "legacy-orders", "--amqp-port", Integer.toString(port), "{}")).isEqualTo(2);
        assertThat(err.toString()).startsWith("eventjobs-local: no RabbitMQ broker answers on 127.0.0.1:" + port + " (vhost /)")
                .endsWith("is local/run start running a template with MQ events (--amqp-port of both the same)?"
                        + System.lineSeparator())
                .hasLineCount(1);
    }

    @Test
    void port_shouldBeRefusedInOneLine_whenOutOfRange() {
        assertThat(run("queues", "--port", "-1")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("eventjobs-local: --port must be a port from 1 to 65535, was -1" + System.lineSeparator());
    }

    @Test
    void apiPort_shouldBeRefusedInOneLine_whenOutOfRange() {
        assertThat(run("start", "--api-port", "70000")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("eventjobs-local: --api-port must be a port from 1 to 65535 (or 0: any free port),"
                + " was 70000" + System.lineSeparator());
    }

    @Test
    void chaos_shouldBeRefusedInOneLine_namingTheBadPartOfTheSpec() {
        assertThat(run("start", "--chaos", "seed=7,kill=2,hang=0.1")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("eventjobs-local: --chaos: \"kill=2\": the rate must be a probability from 0 to 1,"
                + " like 0.02" + System.lineSeparator());
    }

    @Test
    void queues_shouldNameTheMissingQueueAndHowToProvisionIt() {
        try (EmbeddedAws aws = EmbeddedAws.start(0)) {
            assertThat(run("queues", "--port", Integer.toString(aws.endpoint().getPort()), "--stack-name", "other")).isEqualTo(2);
        }

        assertThat(err.toString()).isEqualTo("eventjobs-local: queue other-Jobs (Jobs) does not exist on the endpoint: stack other"
                + " may not be provisioned (local/run provision --stack-name other)" + System.lineSeparator());
    }

    @Test
    void invoke_shouldRefuseAnEventThatIsNoObject_namingTheFileAndWhatTheTriggerExpects() throws IOException {
        Path array = file("array.json", "[]");

        assertThat(run("invoke", "Web", "-e", array.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("eventjobs-local: event file " + array + " holds a JSON array, but an event is a JSON"
                + " object; Web expects an HTTP API payload 2.0 event {\"version\": \"2.0\", \"requestContext\": {\"http\": ...}, ...}"
                + System.lineSeparator());
    }

    @Test
    void invoke_shouldRefuseMalformedJson_namingTheFile() throws IOException {
        Path broken = file("broken.json", "{\"version\": ");

        assertThat(run("invoke", "Web", "-e", broken.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("eventjobs-local: event file " + broken + " is not JSON: ")
                .hasLineCount(1);
    }

    @Test
    void invoke_shouldWarnOfAnotherTriggersEvent_andExit1_whenTheApiAnswersA5xx() throws IOException {
        Path sqsEvent = file("sqs.json", "{\"Records\": [{\"eventSource\": \"aws:sqs\", \"body\": \"x\"}]}");
        Path failing = file("api.json", """
                {"version": "2.0", "routeKey": "GET /things", "rawPath": "/things",
                 "queryStringParameters": {"raw": "{\\"statusCode\\": 503}"}, "requestContext": {"http": {"method": "GET"}}}
                """);

        int mismatched = run("invoke", "Web", "-e", sqsEvent.toString(), "--port", "1");
        String warning = err.toString();
        int answered503 = run("invoke", "Web", "-e", failing.toString(), "--port", "1", "--no-aot-cache");

        assertThat(mismatched).isZero();
        // the first invoke trained the function's AOT cache and wrote it as it stopped
        try (var cache = Files.list(dir.resolve("work/aot/Web"))) {
            assertThat(cache.map(file -> file.getFileName().toString())).anyMatch(name -> name.endsWith(".aot"));
        }
        assertThat(warning).contains("eventjobs-local: warning: event file " + sqsEvent + " looks like a SQS event, but Web is"
                + " triggered by HttpApi");
        // nothing runs on port 1: the invoke says that its effects stay on a temporary endpoint
        assertThat(warning).contains("eventjobs-local: nothing is running on port 1: the function runs on a temporary endpoint");
        assertThat(answered503).isEqualTo(1);
    }

    @Test
    void publish_shouldSayHowToStartABroker_whenNoneRunsForTheWorkDirectory() {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int status = cli.execute("publish", "--work-dir", dir.resolve("work").toString(), "--topic", "t", "v");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).startsWith("eventjobs-local: no Kafka broker is running for --work-dir " + dir.resolve("work"))
                .contains("local/run start runs one when the template has a SelfManagedKafka or MSK event");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void eventFile_shouldTellKafkaEventsApart_forTheMismatchWarning() throws IOException {
        var web = eventjobs.local.template.SamTemplate.load(dir.resolve("template.yaml"), "m", java.util.Map.of())
                .function("Web").orElseThrow();
        Path selfManaged = file("kafka.json", "{\"eventSource\": \"SelfManagedKafka\", \"records\": {}}");
        Path msk = file("msk.json", "{\"eventSource\": \"aws:kafka\", \"eventSourceArn\": \"arn:aws:kafka:x\", \"records\": {}}");

        assertThat(EventFile.read(selfManaged, web).mismatch(web)).hasValueSatisfying(warning ->
                assertThat(warning).contains("looks like a SelfManagedKafka event, but Web is triggered by HttpApi"));
        assertThat(EventFile.read(msk, web).mismatch(web)).hasValueSatisfying(warning ->
                assertThat(warning).contains("looks like a MSK event"));
    }
}
