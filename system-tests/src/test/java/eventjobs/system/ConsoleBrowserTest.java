package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local console (issue 12) in a real browser: Chromium and chromedriver from Debian
 * ({@code chromium}, {@code chromium-driver}), headless, driven by Selenium, on template.yaml
 * running as the README runs it. A missing browser fails this test with how to install it: it is
 * never skipped. Its screenshot of the dead-letter view is what README's docs/console.png shows.
 */
class ConsoleBrowserTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "console";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration FLOW = Duration.ofSeconds(60);

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static SqsClient sqs;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws IOException {
        ChromeOptions options = new ChromeOptions().setBinary(executable("chromium").toString())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100",
                        "--disable-gpu", "--no-first-run");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(executable("chromedriver").toFile()).usingAnyFreePort().build();
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .workDirectory(Files.createTempDirectory("console")).build(), aws, FunctionLogs.discard(), InvocationLog.discard());
        sqs = aws.sqs();
        browser = new ChromeDriver(service, options);
    }

    /** A program from PATH; fails (never skips) with how to install it when it is missing. */
    private static Path executable(String name) {
        Optional<Path> found = Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .map(directory -> Path.of(directory, name)).filter(Files::isExecutable).findFirst();
        return found.orElseThrow(() -> new IllegalStateException(name + " is not on PATH: the console's browser test needs"
                + " Chromium and its driver (sudo apt-get install -y chromium chromium-driver; make check-tools says so too)"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (sqs != null) {
            sqs.close();
        }
    }

    /** Waits for the page, which draws itself anew on every poll: an element found may be gone a moment later. */
    private static WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, FLOW, Duration.ofMillis(200));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** An attribute of every element {@code css} selects, read at one instant. */
    @SuppressWarnings("unchecked")
    private static List<String> attributes(String css, String attribute) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]));", css, attribute);
    }

    /** The text of the first element {@code css} selects, if there is one, read at one instant. */
    private static Optional<String> text(String css) {
        return Optional.ofNullable((String) ((JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css));
    }

    private static void click(String css) {
        waiting().until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    private static String queueUrl(String logicalId) {
        return sqs.getQueueUrl(r -> r.queueName(STACK + "-" + logicalId)).queueUrl();
    }

    @Test
    void console_shouldShowAnOrderFlow_aPoisonMessageWithItsReason_andRedriveIt() throws Exception {
        browser.get(aws.endpoint().resolve("/_eventjobs/").toString());
        waiting().until(d -> "live".equals(d.findElement(By.id("status")).getAttribute("data-state")));
        assertThat(attributes("#functions tr[data-function]", "data-function")).contains("OrdersApiFunction", "OrderWorkerFunction");
        assertThat(attributes("#queues tr[data-queue]", "data-queue")).contains("OrdersQueue", "OrdersDLQ");

        // an order placed through the API flows: the API and the worker each show an invocation
        HttpResponse<String> placed = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + runtime.api().orElseThrow().port() + "/orders"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                        {"customerId":"cust-console","currency":"EUR","lines":[{"sku":"BOOK-001","quantity":1,"unitPrice":"9.90"}]}"""))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        String orderId = JSON.readTree(placed.body()).get("orderId").asString();
        String worker = "#invocations tr.invocation[data-function='OrderWorkerFunction']";
        waiting().until(d -> !attributes("#invocations tr.invocation[data-function='OrdersApiFunction']", "data-request-id").isEmpty()
                && !attributes(worker, "data-request-id").isEmpty());
        String workerRequest = attributes(worker, "data-request-id").getFirst();
        assertThat(text(worker)).hasValueSatisfying(row -> assertThat(row).contains("success"));
        waiting().until(d -> text("#functions tr[data-function='OrderWorkerFunction'] td[data-stat='invocations']").filter(n -> !n.equals("0")).isPresent());

        // its log lines, a click away
        click("#invocations tr.invocation[data-request-id='" + workerRequest + "']");
        waiting().until(d -> text("#invocations tr[data-logs-for='" + workerRequest + "']").filter(lines -> lines.contains(orderId)).isPresent());

        // a poison message is parked in OrdersDLQ, and the console says why
        sqs.sendMessage(r -> r.queueUrl(queueUrl("OrdersQueue")).messageBody("{\"specversion\":\"1.0\",\"type\":\"not.an.order\"}"));
        String messages = ".dlq[data-queue='OrdersDLQ'] .message";
        waiting().until(d -> !attributes(messages, "data-message-id").isEmpty());
        String parkedId = attributes(messages, "data-message-id").getFirst();
        assertThat(text(messages + " .reason")).hasValueSatisfying(reason -> assertThat(reason)
                .contains("expected an event of type eventjobs.order.placed"));
        waiting().until(d -> text("#queues tr[data-queue='OrdersDLQ'] td[data-stat='visible']").filter(n -> n.equals("1")).isPresent());
        ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0);");
        Files.write(ROOT.resolve("system-tests/target/console.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

        // redrive: the message leaves OrdersDLQ for OrdersQueue, as the answer says
        click("button[data-redrive='OrdersDLQ']");
        waiting().until(d -> text(".dlq[data-queue='OrdersDLQ'] .redrive-result").filter(t -> t.contains("1 moved")).isPresent());
        assertThat(text(".dlq[data-queue='OrdersDLQ'] .redrive-result")).hasValueSatisfying(t -> assertThat(t)
                .contains(parkedId + " moved to OrdersQueue"));
        waiting().until(d -> !attributes(messages, "data-message-id").contains(parkedId));
        // it is still poison: the worker parks it again, as a new message with the same reason (nothing is lost)
        waiting().until(d -> !attributes(messages, "data-message-id").isEmpty());
        assertThat(attributes(messages, "data-message-id")).doesNotContain(parkedId);
        assertThat(text(messages + " .reason")).hasValueSatisfying(reason -> assertThat(reason)
                .contains("expected an event of type eventjobs.order.placed"));
    }

    @Test
    void health_shouldSayWhatRuns_inJson() throws Exception {
        HttpResponse<String> health = get("/_eventjobs/health");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.get("stack").asString()).isEqualTo(STACK);
        assertThat(body.get("services").toString()).contains("sqs", "s3", "dynamodb", "lambda");
        assertThat(body.get("functions").toString()).contains("OrderWorkerFunction");
        assertThat(body.get("queues").toString()).contains("\"OrdersDLQ\"", "ageOfOldestMessageSeconds");
    }

    @Test
    void jsonEndpoints_shouldRefuseBadInput_withAReasonInJson() throws Exception {
        assertRefused(post("/_eventjobs/dlqs/NoSuchQueue/redrive", "{}", Optional.empty()), 404, "no queue NoSuchQueue");
        assertRefused(post("/_eventjobs/dlqs/OrdersQueue/redrive", "{}", Optional.empty()), 400, "not a dead-letter queue");
        assertRefused(post("/_eventjobs/dlqs/OrdersDLQ/redrive", "[1,2]", Optional.empty()), 400, "must be empty or a JSON object");
        assertRefused(post("/_eventjobs/dlqs/OrdersDLQ/redrive", "{not json", Optional.empty()), 400, "not JSON");
        assertRefused(post("/_eventjobs/dlqs/OrdersDLQ/redrive", "{}", Optional.of("https://evil.example")), 403, "Origin");
        assertRefused(get("/_eventjobs/dlqs/OrdersDLQ/redrive"), 405, "POST");
        assertRefused(get("/_eventjobs/invocations/%3Cscript%3E/logs"), 400, "not a request id");
        assertRefused(get("/_eventjobs/nothing-here"), 404, "nothing at /_eventjobs/nothing-here");
    }

    private static void assertRefused(HttpResponse<String> response, int status, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(JSON.readTree(response.body()).get("error").asString()).contains(reason);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(aws.endpoint().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body, Optional<String> origin) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(aws.endpoint().resolve(path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        origin.ifPresent(o -> request.header("Origin", o));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
