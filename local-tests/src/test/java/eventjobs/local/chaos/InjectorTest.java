package eventjobs.local.chaos;

import eventjobs.local.aws.Gateway;
import eventjobs.local.runtime.InvocationFaults;
import eventjobs.local.sources.InvocationLog;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The decisions chaos mode makes from its seed, what it logs and what it counts. */
class InjectorTest {

    private static final Chaos HALF = Chaos.parse("seed=42,kill=0.5,hang=0.5,fail-before=0.5,lose-response=0.5,"
            + "duplicate=0.5,aws-errors=0.5,throttle-invoke=0.5");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private List<String> decisions(Injector injector) {
        List<String> decisions = new ArrayList<>();
        Gateway.RequestFaults aws = injector.awsErrors("Fn");
        for (int i = 0; i < 50; i++) {
            decisions.add(injector.next("Fn", "r-" + i).name());
            decisions.add("duplicate " + injector.duplicate("Fn", "sqs:q"));
            decisions.add("throttle " + injector.throttle("Fn", "RequestResponse"));
            decisions.add("aws " + aws.refuse(new Gateway.Call("dynamodb", "POST", "/", Optional.of("DynamoDB_20120810.PutItem"))).isPresent());
        }
        return decisions;
    }

    @Test
    void theSameSeed_shouldMakeTheSameDecisions() {
        List<String> first = decisions(new Injector(HALF, InvocationLog.discard()));
        List<String> again = decisions(new Injector(HALF, InvocationLog.discard()));
        List<String> otherSeed = decisions(new Injector(new Chaos(43, HALF.rates()), InvocationLog.discard()));

        assertThat(again).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
        assertThat(first).contains("KILL", "NONE", "duplicate true", "duplicate false");
    }

    @Test
    void oneKindsDecisions_shouldNotShift_whenAnotherKindIsAskedMoreOften() {
        Injector quiet = new Injector(HALF, InvocationLog.discard());
        Injector busy = new Injector(HALF, InvocationLog.discard());
        List<Boolean> alone = new ArrayList<>();
        List<Boolean> amidOthers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            alone.add(quiet.duplicate("Fn", "sqs:q"));
            busy.throttle("Fn", "Event");
            busy.next("Fn", "r-" + i);
            amidOthers.add(busy.duplicate("Fn", "sqs:q"));
        }

        assertThat(amidOthers).isEqualTo(alone);
    }

    @Test
    void rateOne_shouldAlwaysStrike_andRateZeroNever() {
        Injector injector = new Injector(Chaos.seeded(1).with(Fault.HANG, 1), InvocationLog.discard());

        for (int i = 0; i < 20; i++) {
            assertThat(injector.next("Fn", "r")).isEqualTo(InvocationFaults.Kind.HANG);
            assertThat(injector.duplicate("Fn", "sqs:q")).isFalse();
        }
        assertThat(injector.summary().count(Fault.HANG)).isEqualTo(20);
        assertThat(injector.summary().total()).isEqualTo(20);
    }

    @Test
    void theEarliestFaultInTheInvocation_shouldWin_whenSeveralStrike() {
        Injector injector = new Injector(Chaos.parse("seed=1,kill=1,hang=1,fail-before=1,lose-response=1"), InvocationLog.discard());

        assertThat(injector.next("Fn", "r")).isEqualTo(InvocationFaults.Kind.FAIL_BEFORE);
        assertThat(injector.summary().total()).isEqualTo(1);
    }

    @Test
    void everyFault_shouldBeOneChaosLine_inText() {
        Injector injector = new Injector(Chaos.parse("seed=1,kill=1,duplicate=1,throttle-invoke=1,aws-errors=1"),
                InvocationLog.text(new PrintStream(out, true, StandardCharsets.UTF_8)));

        injector.next("t-Fn", "r-1");
        injector.duplicate("t-Fn", "sqs:t-Queue");
        injector.throttle("t-Peer", "RequestResponse");
        injector.awsErrors("t-Fn").refuse(new Gateway.Call("s3", "PUT", "/bucket/a.txt", Optional.empty()));

        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "chaos kill t-Fn r-1",
                "chaos duplicate t-Fn sqs:t-Queue",
                "chaos throttle-invoke t-Peer lambda:RequestResponse",
                "chaos aws-errors t-Fn s3:PUT /bucket/a.txt");
        assertThat(injector.summary().text()).isEqualTo("chaos summary: kill 1, hang 0, fail-before 0, lose-response 0, "
                + "duplicate 1, aws-errors 1, throttle-invoke 1 (--chaos seed=1,kill=1,duplicate=1,aws-errors=1,throttle-invoke=1)");
    }

    @Test
    void everyFault_shouldBeOneObject_inJson() {
        Injector injector = new Injector(Chaos.parse("seed=1,lose-response=1"),
                InvocationLog.json(new PrintStream(out, true, StandardCharsets.UTF_8)));

        injector.next("t-Fn", "r-1");

        JsonNode line = JsonMapper.shared().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(line.get("chaos").asString()).isEqualTo("lose-response");
        assertThat(line.get("function").asString()).isEqualTo("t-Fn");
        assertThat(line.get("target").asString()).isEqualTo("r-1");
        JsonNode summary = JsonMapper.shared().readTree(injector.summary().json());
        assertThat(summary.at("/chaosSummary/lose-response").asLong()).isEqualTo(1);
        assertThat(summary.at("/chaosSummary/kill").asLong()).isZero();
        assertThat(summary.get("spec").asString()).isEqualTo("seed=1,lose-response=1");
    }

    @Test
    void awsErrors_shouldBeWhatEachServiceAnswersWhenBusy() {
        Gateway.RequestFaults faults = new Injector(Chaos.parse("seed=1,aws-errors=1"), InvocationLog.discard()).awsErrors("Fn");

        Gateway.Refusal put = faults.refuse(new Gateway.Call("dynamodb", "POST", "/", Optional.of("DynamoDB_20120810.PutItem"))).orElseThrow();
        Gateway.Refusal describe = faults.refuse(new Gateway.Call("dynamodb", "POST", "/", Optional.of("DynamoDB_20120810.DescribeTable"))).orElseThrow();
        Gateway.Refusal send = faults.refuse(new Gateway.Call("sqs", "POST", "/", Optional.of("AmazonSQS.SendMessage"))).orElseThrow();
        Gateway.Refusal upload = faults.refuse(new Gateway.Call("s3", "PUT", "/b/k", Optional.empty())).orElseThrow();

        assertThat(put.status()).isEqualTo(400);
        assertThat(text(put)).contains("\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\"");
        assertThat(text(describe)).contains("#ThrottlingException\"");
        assertThat(send.status()).isEqualTo(500);
        assertThat(text(send)).contains("\"__type\":\"com.amazonaws.sqs#InternalError\"");
        assertThat(send.headers()).containsEntry("x-amzn-query-error", "InternalError;Receiver");
        assertThat(upload.status()).isEqualTo(503);
        assertThat(text(upload)).contains("<Code>SlowDown</Code>");
        assertThat(faults.refuse(new Gateway.Call("events", "POST", "/", Optional.empty()))).isEmpty();
    }

    private static String text(Gateway.Refusal refusal) {
        return new String(refusal.body(), StandardCharsets.UTF_8);
    }
}
