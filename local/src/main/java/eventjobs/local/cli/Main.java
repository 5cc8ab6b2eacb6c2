package eventjobs.local.cli;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.RabbitMqServer;
import eventjobs.local.chaos.Chaos;
import eventjobs.local.runtime.AotCache;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.EventSources;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import eventjobs.local.sources.RabbitMqSource;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.stack.Provisioner;
import eventjobs.local.stack.Redrive;
import eventjobs.local.template.NotEmulated;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import eventjobs.local.template.TemplateException;
import eventjobs.local.sources.KafkaSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code eventjobs-local}: the template on this machine, with no Docker and no AWS account. */
@Command(name = "eventjobs-local", mixinStandardHelpOptions = true, version = "eventjobs-local 0.1",
        description = "Runs template.yaml locally: an embedded AWS endpoint, every function behind its real triggers.",
        subcommands = {Main.Start.class, Main.Invoke.class, Main.Provision.class, Main.Queues.class, Main.RedriveCommand.class,
                Publish.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with mistakes told in one line and exit status 2. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            String message = switch (e) {
                case TemplateException t -> t.getMessage();
                case EmbeddedAws.PortInUse p -> p.getMessage() + "; choose another with --port (AWS endpoint) or --api-port (HTTP API)";
                case UserError u -> u.getMessage();
                case SdkException s -> "the AWS endpoint failed: " + s.getMessage();
                case IllegalStateException i -> i.getMessage();
                default -> e.toString();
            };
            commandLine.getErr().println("eventjobs-local: " + message);
            return 2;
        });
        return cli;
    }

    /** A mistake on the command line or in an input file, told in one line. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }

    static final String NO_AOT_CACHE = "start every function JVM as Lambda does, without the AOT cache that the first instance"
            + " of each function otherwise trains (written when it stops, in --work-dir) and later ones start from";

    /** Options every command shares. */
    static final class Common {
        @Option(names = {"-t", "--template"}, defaultValue = "template.yaml", description = "SAM template (default: ${DEFAULT-VALUE})")
        Path template;

        @Option(names = "--stack-name", defaultValue = "eventjobs", description = "prefix of resource names (default: ${DEFAULT-VALUE})")
        String stackName;

        @Option(names = "--parameter-overrides", split = " ", paramLabel = "KEY=VALUE", description = "template parameter values")
        Map<String, String> parameters = new LinkedHashMap<>();

        @Option(names = "--port", defaultValue = "4566", description = "port of the embedded AWS endpoint (default: ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--work-dir", defaultValue = ".eventjobs", description = "where functions are unpacked and their AOT caches kept (default: ${DEFAULT-VALUE})")
        Path workDirectory;

        @Option(names = "--json", description = "one JSON object per invocation instead of text")
        boolean json;

        @Option(names = "--async-retry-scale", defaultValue = "1.0",
                description = "multiplies the waits before async retries (AWS: ~1 min, then ~2 min); e.g. 0.05 for demos")
        double asyncRetryScale;

        /**
         * Checks a port option: 1 to 65535, or 0 where any free port will do.
         *
         * @throws UserError naming the option
         */
        static void checkPort(String option, int port, boolean anyFree) {
            if (port < (anyFree ? 0 : 1) || port > 65535) {
                throw new UserError(option + " must be a port from 1 to 65535" + (anyFree ? " (or 0: any free port)" : "")
                        + ", was " + port);
            }
        }

        LocalRuntime.Options.Builder options() {
            if (asyncRetryScale < 0) {
                throw new UserError("--async-retry-scale must not be negative");
            }
            return LocalRuntime.Options.builder(template).stackName(stackName).parameters(parameters)
                    .workDirectory(workDirectory).retryDelays(AsyncInvoker.RetryDelays.aws().scaled(asyncRetryScale));
        }

        /** The template, with every event read as its source reads it, so that mistakes show before anything runs. */
        SamTemplate load() {
            SamTemplate loaded = SamTemplate.load(template, stackName, parameters);
            EventSources.read(loaded);
            return loaded;
        }

        InvocationLog log(PrintStream out) {
            return json ? InvocationLog.json(out) : InvocationLog.text(out);
        }

        /** AWS_ENDPOINT_URL when set; else an eventjobs endpoint already on --port; else a new one. */
        EmbeddedAws endpoint(boolean mustOwnPort) {
            return endpoint(mustOwnPort, Optional.empty());
        }

        EmbeddedAws endpoint(boolean mustOwnPort, Optional<Path> s3Directory) {
            // the endpoint `start` runs may take any free port; other commands look for it on --port
            checkPort("--port", port, mustOwnPort);
            String external = System.getenv("AWS_ENDPOINT_URL");
            if (external != null && !external.isBlank()) {
                return EmbeddedAws.external(URI.create(external));
            }
            URI local = URI.create("http://localhost:" + port);
            if (!mustOwnPort && running(local)) {
                return EmbeddedAws.external(local);
            }
            return EmbeddedAws.start(mustOwnPort ? port : 0, s3Directory);
        }

        /** The endpoint `local/run start` serves (or AWS_ENDPOINT_URL); a user error when there is none. */
        EmbeddedAws running() {
            EmbeddedAws aws = endpoint(false);
            if (aws.embedded()) {
                aws.close();
                throw new UserError("nothing is running on port " + port + "; start it with: local/run start");
            }
            return aws;
        }

        private static boolean running(URI endpoint) {
            try {
                // nothing listening is refused at once; a runtime that listens may be slow to answer on a
                // busy machine, and taking it for absent would run the command on a temporary endpoint
                HttpResponse<Void> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
                        .send(HttpRequest.newBuilder(endpoint.resolve("/_eventjobs/health")).timeout(Duration.ofSeconds(20)).build(),
                                HttpResponse.BodyHandlers.discarding());
                return response.statusCode() == 200;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Create every resource and run every function behind its triggers until Ctrl-C.")
    static final class Start implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--api-port", defaultValue = "3000", description = "port of the HTTP API (default: ${DEFAULT-VALUE})")
        int apiPort;

        @Option(names = "--amqp-port", defaultValue = "5672", description = "port of the local RabbitMQ broker, started when the template has MQ events (default: ${DEFAULT-VALUE})")
        int amqpPort;

        @Option(names = "--not-emulated", description = "list each resource and property the local runtime does not run, not only their count")
        boolean listNotEmulated;

        @Option(names = "--state-dir", description = "keep objects, items and queued messages here between runs (default: none, every start is empty)")
        Path stateDirectory;

        @Option(names = "--no-aot-cache", description = NO_AOT_CACHE)
        boolean noAotCache;

        @Option(names = "--chaos", paramLabel = "SPEC", description = {
                "inject faults on purpose: NAME=RATE,... with rates from 0 to 1 and an optional seed=N, e.g.",
                "seed=42,kill=0.02,hang=0.01,fail-before=0.02,lose-response=0.02,duplicate=0.05,aws-errors=0.02,throttle-invoke=0.05"})
        String chaos;

        @Override
        public Integer call() throws InterruptedException {
            Common.checkPort("--port", common.port, true);
            Common.checkPort("--api-port", apiPort, true);
            Common.checkPort("--amqp-port", amqpPort, true);
            Optional<Chaos> faults = Optional.ofNullable(chaos).map(Start::chaos);
            NotEmulated notEmulated = common.load().notEmulated();
            if (!notEmulated.isEmpty()) {
                System.err.println("eventjobs-local: not emulated: " + (listNotEmulated
                        ? notEmulated.summary() : notEmulated.brief() + " (--not-emulated lists them)"));
            }
            Optional<Path> state = Optional.ofNullable(stateDirectory).map(p -> p.toAbsolutePath().normalize());
            EmbeddedAws aws = common.endpoint(true, state.map(p -> p.resolve("s3")));
            LocalRuntime runtime;
            try {
                LocalRuntime.Options.Builder options = common.options()
                        .apiPort(apiPort == 0 ? Port.anyFree() : Port.fixed(apiPort)).aotCache(!noAotCache)
                        .amqpPort(amqpPort == 0 ? Port.anyFree() : Port.fixed(amqpPort));
                state.ifPresent(options::stateDirectory);
                faults.ifPresent(options::chaos);
                runtime = LocalRuntime.start(options.build(), aws, FunctionLogs.toStandardError(), common.log(System.out));
            } catch (RuntimeException e) {
                aws.close();
                throw e;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                runtime.close();
                runtime.chaosSummary().ifPresent(summary -> System.out.println(common.json ? summary.json() : summary.text()));
                aws.close();
                stopped.countDown();
            }, "eventjobs-local-stop"));
            banner(runtime);
            stopped.await();
            return 0;
        }

        private static void banner(LocalRuntime runtime) {
            PrintStream out = System.out;
            SamTemplate template = runtime.template();
            String endpoint = runtime.aws().endpoint().toString();
            out.println("eventjobs-local: " + template.file() + " is running as stack " + template.stackName());
            out.println("  AWS endpoint   " + endpoint + (runtime.aws().embedded() ? " (embedded: SQS, S3, DynamoDB, Secrets Manager, Lambda)" : ""));
            out.println("  Lambda API     " + runtime.lambdaEndpoint() + " (AWS_ENDPOINT_URL_LAMBDA of every function)");
            if (runtime.aws().embedded()) {
                out.println("  Console        " + runtime.aws().endpoint().resolve("/_eventjobs/")
                        + " (functions, queues and their lag, DLQs with reasons and redrive, invocations with their logs)");
            }
            runtime.api().ifPresent(api -> {
                out.println("  HTTP API       http://localhost:" + api.port());
                api.describe().forEach(route -> out.println("                 " + route));
            });
            runtime.rabbitMq().ifPresent(broker -> {
                out.println("  RabbitMQ       amqp://" + RabbitMqServer.USER + ":" + RabbitMqServer.PASSWORD + "@localhost:"
                        + broker.port() + " (vhost " + broker.virtualHost() + ", a rabbitmq-server child process)");
                runtime.rabbitMqQueues().forEach((queue, function) -> out.println("                 queue " + queue + " -> "
                        + function + " (poison parked in " + RabbitMqSource.parkedQueue(queue) + "); publish: local/run publish --queue "
                        + queue + (broker.port() == 5672 ? "" : " --amqp-port " + broker.port())
                        + (broker.virtualHost().equals("/") ? "" : " --vhost " + broker.virtualHost()) + " '<json>'"));
            });
            template.queues().forEach(q -> out.println("  queue          " + q.logicalId() + " = " + q.name()));
            template.tables().forEach(t -> out.println("  table          " + t.logicalId() + " = " + t.name()));
            template.buckets().forEach(b -> out.println("  bucket         " + b.logicalId() + " = s3://" + b.name()));
            template.secrets().forEach(x -> out.println("  secret         " + x.logicalId() + " = " + x.name()
                    + "  (read it: aws --endpoint-url " + endpoint + " secretsmanager get-secret-value --secret-id "
                    + x.name() + " --query SecretString --output text)"));
            runtime.kafka().ifPresent(kafka -> out.println("  Kafka          " + kafka.bootstrapServers()
                    + " (in this JVM, KRaft; topics: " + String.join(", ", kafka.topics()) + ", " + KafkaSource.PARTITIONS
                    + " partitions each; publish: local/run publish --topic TOPIC [--key KEY] 'VALUE')"));
            template.functions().forEach(f -> out.println("  function       " + f.logicalId() + " = " + f.name() + " ("
                    + f.events().stream().map(Specs.Event::name).toList() + ")"));
            out.println("  AOT cache      " + aotCache(runtime));
            List<String> tryIt = TryIt.lines(template, runtime.aws().endpoint(),
                    runtime.api().map(api -> OptionalInt.of(api.port())).orElse(OptionalInt.empty()));
            if (!tryIt.isEmpty()) {
                out.println("Try:");
                tryIt.forEach(line -> out.println("  " + line));
            }
            runtime.chaosSummary().ifPresent(summary -> out.println("Chaos: " + summary.chaos().spec()
                    + " (the same --chaos repeats these decisions; a summary is printed at stop)"));
            out.println("Ctrl-C stops everything.");
        }

        /** Which functions start from a cache and which train one, in one line. */
        static String aotCache(LocalRuntime runtime) {
            Map<AotCache.Status, List<String>> byStatus = new EnumMap<>(AotCache.Status.class);
            runtime.functions().forEach((id, pool) -> byStatus.computeIfAbsent(pool.aotCache(), s -> new ArrayList<>()).add(id));
            if (byStatus.keySet().equals(Set.of(AotCache.Status.OFF))) {
                return "off";
            }
            List<String> parts = new ArrayList<>();
            Optional.ofNullable(byStatus.get(AotCache.Status.CACHED)).ifPresent(ids -> parts.add("start from one: " + String.join(", ", ids)));
            Optional.ofNullable(byStatus.get(AotCache.Status.NOT_YET)).ifPresent(ids -> parts.add("the first instance trains one, written when"
                    + " it stops: " + String.join(", ", ids)));
            Optional.ofNullable(byStatus.get(AotCache.Status.OFF)).ifPresent(ids -> parts.add("off: " + String.join(", ", ids)));
            return String.join("; ", parts) + " (--no-aot-cache turns it off)";
        }

        private static Chaos chaos(String spec) {
            try {
                return Chaos.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new UserError("--chaos: " + e.getMessage());
            }
        }
    }

    @Command(name = "invoke", mixinStandardHelpOptions = true, description = "Invoke one function once with an event file, like sam local invoke: response on stdout, logs on stderr.")
    static final class Invoke implements Callable<Integer> {
        @Mixin
        Common common;

        @Parameters(index = "0", paramLabel = "LogicalId", description = "the function's logical id in the template")
        String function;

        @Option(names = {"-e", "--event"}, required = true, description = "event JSON file (e.g. events/orders-api-post.json)")
        Path event;

        @Option(names = "--no-aot-cache", description = NO_AOT_CACHE)
        boolean noAotCache;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            SamTemplate template = common.load();
            Specs.Function target = template.function(function).orElseThrow(() -> new UserError("no function " + function
                    + " in " + common.template + "; functions: " + String.join(", ", template.functionIds())));
            EventFile payload = EventFile.read(event, target);
            payload.mismatch(target).ifPresent(warning -> spec.commandLine().getErr().println("eventjobs-local: warning: " + warning));
            EmbeddedAws aws = common.endpoint(false);
            if (aws.embedded()) {
                spec.commandLine().getErr().println("eventjobs-local: nothing is running on port " + common.port + ": the function runs on a"
                        + " temporary endpoint, and what it writes goes with it (local/run start keeps it)");
            }
            try (LocalRuntime runtime = LocalRuntime.start(common.options().apiPort(Port.none()).triggers(false).aotCache(!noAotCache).build(), aws,
                    FunctionLogs.toStandardError(), common.log(System.err))) {
                InvocationResult result = runtime.invoke(function, payload.bytes());
                common.log(System.err).invoked(function, "invoke", result, "");
                spec.commandLine().getOut().println(result.payloadText());
                spec.commandLine().getOut().flush();
                return payload.failed(target, result) ? 1 : 0;
            } finally {
                aws.close();
            }
        }
    }

    @Command(name = "provision", mixinStandardHelpOptions = true, description = "Create the template's queues and tables on the endpoint (harmless to repeat).")
    static final class Provision implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() {
            SamTemplate template = common.load();
            EmbeddedAws aws = common.endpoint(false);
            try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb(); var s3 = aws.s3();
                 var secrets = aws.secretsManager()) {
                new Provisioner(sqs, dynamo, s3, secrets).provision(template);
                template.buckets().forEach(b -> System.out.println("bucket " + b.logicalId() + " " + b.name()));
                template.queues().forEach(q -> System.out.println("queue " + q.logicalId() + " " + q.name()));
                template.tables().forEach(t -> System.out.println("table " + t.logicalId() + " " + t.name()));
                template.secrets().forEach(x -> System.out.println("secret " + x.logicalId() + " " + x.name()));
                if (aws.embedded()) {
                    System.err.println("eventjobs-local: nothing was running on port " + common.port
                            + ", so these were created on a temporary endpoint; run `local/run start` first");
                }
                return 0;
            } finally {
                aws.close();
            }
        }
    }

    @Command(name = "queues", mixinStandardHelpOptions = true, description = {
            "Depth of every queue of the template: visible, in flight, delayed, and the age of its oldest message (lag).",
            "The age is what CloudWatch's ApproximateAgeOfOldestMessage would say: the oldest message not deleted"
                    + " (visible or in flight), read from the embedded ElasticMQ without receiving anything; n/a on"
                    + " another endpoint (AWS_ENDPOINT_URL), whose queues have no such attribute."})
    static final class Queues implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() {
            SamTemplate template = common.load();
            EmbeddedAws aws = common.running();
            try (SqsClient sqs = aws.sqs(); DynamoDbClient dynamo = aws.dynamoDb(); var s3 = aws.s3();
                 var secrets = aws.secretsManager()) {
                Map<String, Map<String, String>> depths = new Provisioner(sqs, dynamo, s3, secrets).depths(template);
                Optional<Map<String, Long>> ages = ages(aws.endpoint());
                Map<String, String> names = new LinkedHashMap<>();
                template.queues().forEach(q -> names.put(q.logicalId(), q.name()));
                System.out.printf("%-28s %8s %10s %8s %8s%n", "queue", "visible", "in flight", "delayed", "lag");
                depths.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> System.out.printf(
                        "%-28s %8s %10s %8s %8s%n", e.getKey(), e.getValue().get("ApproximateNumberOfMessages"),
                        e.getValue().get("ApproximateNumberOfMessagesNotVisible"),
                        e.getValue().get("ApproximateNumberOfMessagesDelayed"),
                        ages.map(a -> a.getOrDefault(names.get(e.getKey()), 0L) + " s").orElse("n/a")));
                return 0;
            }
        }

        /** Age in seconds of each queue's oldest message, by queue name, from the endpoint's {@code /_eventjobs/queues}. */
        static Optional<Map<String, Long>> ages(URI endpoint) {
            try {
                HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
                        .send(HttpRequest.newBuilder(endpoint.resolve("/_eventjobs/queues")).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return Optional.empty();
                }
                Map<String, Long> ages = new LinkedHashMap<>();
                tools.jackson.databind.json.JsonMapper.shared().readTree(response.body()).path("queues").forEach(queue ->
                        ages.put(queue.path("name").asString(), queue.path("ageOfOldestMessageSeconds").asLong()));
                return Optional.of(ages);
            } catch (IOException | tools.jackson.core.JacksonException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true, description = {
            "Replay a dead-letter queue, message by message: a Lambda destination record is invoked again (asynchronously)"
                    + " on the function that failed, with its original payload; a message a queue's RedrivePolicy parked"
                    + " goes back to that queue. A message that cannot be replayed stays, with the reason.",
            "Exit status 1 when some message stayed."})
    static final class RedriveCommand implements Callable<Integer> {
        @Mixin
        Common common;

        @Parameters(index = "0", paramLabel = "DLQ", description = "the dead-letter queue's logical id (e.g. OrdersDLQ, JobsDLQ)")
        String deadLetterQueue;

        @Override
        public Integer call() {
            SamTemplate template = common.load();
            EmbeddedAws aws = common.running();
            try (SqsClient sqs = aws.sqs(); LambdaClient lambda = aws.toEndpoint(LambdaClient.builder()).build()) {
                Redrive.Result result = new Redrive(sqs, lambda, template).run(deadLetterQueue);
                result.outcomes().forEach(System.out::println);
                System.out.println(result.summary());
                return result.count(Redrive.Action.KEPT) == 0 ? 0 : 1;
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
    }
}
