package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Gateway;
import eventjobs.local.chaos.Chaos;
import eventjobs.local.console.Activity;
import eventjobs.local.console.Console;
import eventjobs.local.chaos.ChaosSummary;
import eventjobs.local.chaos.Fault;
import eventjobs.local.chaos.Injector;
import eventjobs.local.runtime.AotCache;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationFaults;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.DeliveryFaults;
import eventjobs.local.aws.RabbitMqServer;
import eventjobs.local.sources.EventSource;
import eventjobs.local.sources.RabbitMqSource;
import eventjobs.local.sources.EventSources;
import eventjobs.local.sources.FunctionTarget;
import eventjobs.local.sources.HttpApiServer;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.KafkaSource;
import eventjobs.local.sources.LambdaApi;
import eventjobs.local.sources.Port;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import eventjobs.local.template.TemplateException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A template running on one machine: its resources created on an AWS endpoint, each function
 * behind a pool of local execution environments, and its triggers (the {@link EventSources}:
 * SQS mappings, S3 notifications, API routes) driving them with Lambda's rules. Thread-safe;
 * {@link #close()} stops everything it started, the last started first.
 */
public final class LocalRuntime implements AutoCloseable {

    /** Instances per function when neither reserved concurrency nor a mapping limits it. */
    private static final int DEFAULT_MAX_INSTANCES = 10;

    /**
     * How to run a template; made with {@link #builder(Path)}, which holds the defaults.
     *
     * @param apiPort        where the HTTP API of the template's routes listens
     * @param triggers       whether the template's events drive its functions (false: invoke only)
     * @param buildCommand   what builds a function's CodeUri when it is missing
     * @param retryDelays    the waits before asynchronous retries
     * @param stateDirectory where objects, items and queued messages are kept between runs, if anywhere
     * @param clock          the time of pollers, retries and events
     * @param chaos          the faults injected on purpose, if any (chaos mode)
     * @param environment    variables set for a function (by logical id) over the template's, as
     *                       {@code sam local invoke --env-vars} does
     * @param aotCache       whether function JVMs start from an AOT cache kept in the work directory (see {@link AotCache})
     * @param amqpPort       where the local RabbitMQ broker listens, when the template has MQ events
     */
    public record Options(Path template, String stackName, Map<String, String> parameters, Path workDirectory,
                          Port apiPort, boolean triggers, String buildCommand, AsyncInvoker.RetryDelays retryDelays,
                          Optional<Path> stateDirectory, Clock clock, Optional<Chaos> chaos,
                          Map<String, Map<String, String>> environment, boolean aotCache, Port amqpPort) {

        public static final String DEFAULT_STACK_NAME = "eventjobs";
        public static final Path DEFAULT_WORK_DIRECTORY = Path.of(".eventjobs");
        public static final String DEFAULT_BUILD_COMMAND = "make build";

        public Options {
            Objects.requireNonNull(template, "template");
            parameters = Map.copyOf(parameters);
            Objects.requireNonNull(apiPort, "apiPort");
            environment = Map.copyOf(environment);
            Objects.requireNonNull(amqpPort, "amqpPort");
        }

        /** Options for {@code template} with every default: see {@link Builder}. */
        public static Builder builder(Path template) {
            return new Builder(template);
        }

        /** Options with named defaults; not thread-safe. */
        public static final class Builder {
            private final Path template;
            private String stackName = DEFAULT_STACK_NAME;
            private Map<String, String> parameters = Map.of();
            private Path workDirectory = DEFAULT_WORK_DIRECTORY;
            private Port amqpPort = Port.anyFree();
            private Port apiPort = Port.anyFree();
            private boolean triggers = true;
            private String buildCommand = DEFAULT_BUILD_COMMAND;
            private AsyncInvoker.RetryDelays retryDelays = AsyncInvoker.RetryDelays.aws();
            private Optional<Path> stateDirectory = Optional.empty();
            private Clock clock = Clock.systemUTC();
            private Optional<Chaos> chaos = Optional.empty();
            private final Map<String, Map<String, String>> environment = new HashMap<>();
            private boolean aotCache = false;

            private Builder(Path template) {
                this.template = template;
            }

            /** Prefix of physical names; default {@value #DEFAULT_STACK_NAME}. */
            public Builder stackName(String stackName) {
                this.stackName = stackName;
                return this;
            }

            /** Template parameter values, as {@code --parameter-overrides}; default none. */
            public Builder parameters(Map<String, String> parameters) {
                this.parameters = parameters;
                return this;
            }

            /** Where functions are unpacked and their AOT caches kept; default {@code .eventjobs}. */
            public Builder workDirectory(Path workDirectory) {
                this.workDirectory = workDirectory;
                return this;
            }

            /** Port of the HTTP API; default any free one. */
            public Builder apiPort(Port apiPort) {
                this.apiPort = apiPort;
                return this;
            }

            /** Whether events drive functions; default true, false to only invoke. */
            public Builder triggers(boolean triggers) {
                this.triggers = triggers;
                return this;
            }

            /** What builds missing function packages; default {@value #DEFAULT_BUILD_COMMAND}. */
            public Builder buildCommand(String buildCommand) {
                this.buildCommand = buildCommand;
                return this;
            }

            /** Waits before asynchronous retries; default AWS's (about 1 and 2 minutes). */
            public Builder retryDelays(AsyncInvoker.RetryDelays retryDelays) {
                this.retryDelays = retryDelays;
                return this;
            }

            /** Keeps state here between runs; default nowhere (every start is empty). */
            public Builder stateDirectory(Path stateDirectory) {
                this.stateDirectory = Optional.of(stateDirectory);
                return this;
            }

            /** Time for pollers, retries and events; default the system clock in UTC. */
            public Builder clock(Clock clock) {
                this.clock = clock;
                return this;
            }

            /**
             * Injects faults on purpose: processes killed, answers withheld or lost, deliveries
             * doubled, AWS requests of functions refused; default none.
             */
            public Builder chaos(Chaos chaos) {
                this.chaos = Optional.of(chaos);
                return this;
            }

            /** Sets {@code variables} for the function {@code logicalId}, over the template's; default none. */
            public Builder environment(String logicalId, Map<String, String> variables) {
                this.environment.put(logicalId, Map.copyOf(variables));
                return this;
            }

            /**
             * Whether function JVMs start from an AOT cache of their code ({@link AotCache}), trained by
             * the first instance of each function and kept in the work directory. Default false: every
             * JVM starts as Lambda does. {@code local/run} turns it on (its work directory outlives
             * it); a runtime in a fresh temporary directory, as in tests, would only pay for training
             * (the training JVM starts slower and writes the cache for seconds when it stops) caches
             * that nothing reuses.
             */
            public Builder aotCache(boolean aotCache) {
                this.aotCache = aotCache;
                return this;
            }

            /** Port of the local RabbitMQ broker (MQ events only); default any free one. */
            public Builder amqpPort(Port amqpPort) {
                this.amqpPort = amqpPort;
                return this;
            }

            public Options build() {
                return new Options(template, stackName, parameters, workDirectory, apiPort, triggers, buildCommand,
                        retryDelays, stateDirectory, clock, chaos, environment, aotCache, amqpPort);
            }
        }
    }

    private final EmbeddedAws aws;
    private final InvocationLog log;
    /** What close() stops, the last started first. */
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final Map<String, FunctionTarget> functions = new ConcurrentHashMap<>();
    private final Map<String, String> logicalIdByName = new ConcurrentHashMap<>();
    private final SqsClient sqs;
    private final DynamoDbClient dynamo;
    private final S3Client s3;
    private final SamTemplate template;
    private final LambdaApi lambdaApi;
    private final List<EventSource> sources;
    private final Optional<Injector> chaos;
    private final Activity activity;
    private volatile boolean started;

    private LocalRuntime(Options options, EmbeddedAws aws, FunctionLogs functionLogs, InvocationLog invocationLog) {
        this.aws = aws;
        this.activity = new Activity(Clock.systemUTC(),
                name -> Optional.ofNullable(logicalIdByName.get(LambdaApi.functionName(name))).orElse(name));
        this.log = activity.tee(invocationLog);
        FunctionLogs logs = activity.tee(functionLogs);
        this.chaos = options.chaos().map(spec -> new Injector(spec, log));
        if (options.chaos().filter(spec -> spec.rate(Fault.AWS_ERRORS) > 0).isPresent() && aws.gateway().isEmpty()) {
            log.problem("chaos", "aws-errors are injected only on the embedded endpoint, not on " + aws.endpoint()
                    + "; none will be");
        }
        SamTemplate declared = SamTemplate.load(options.template(), options.stackName(), options.parameters());
        List<EventSources.Trigger> triggers = EventSources.read(declared);
        this.sqs = own(aws.sqs());
        this.dynamo = own(aws.dynamoDb());
        this.s3 = own(aws.s3());
        try {
            try (var secrets = aws.secretsManager()) {
                this.template = declared.provisioned(new Provisioner(sqs, dynamo, s3, secrets).provision(declared));
            }
            options.stateDirectory().map(StateSnapshot::new).ifPresent(this::keep);
            this.lambdaApi = own(lambdaApi());
            aws.gateway().ifPresent(gateway -> gateway.route("lambda", lambdaApi.uri()));
            for (Specs.Function function : template.functions()) {
                functions.put(function.logicalId(), start(function, maxInstances(function, triggers), options, logs));
                logicalIdByName.put(function.name(), function.logicalId());
                logicalIdByName.put(function.logicalId(), function.logicalId());
            }
            this.sources = options.triggers() ? EventSources.create(triggers, functions::get, new EventSource.Context(
                    template, aws, sqs, s3, log, options.clock(), options.apiPort(), deliveryFaults(), options.amqpPort(),
                    options.workDirectory().toAbsolutePath().normalize())) : List.of();
            sources.forEach(this::own);
            sources.forEach(EventSource::start);
            mountConsole();
            started = true;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Serves the console under /_eventjobs/ on the embedded endpoint (an external one, such as
     * LocalStack, is not ours to add pages to). The last runtime started on an endpoint has it.
     */
    private void mountConsole() {
        if (aws.gateway().isEmpty() || aws.queueWatch().isEmpty()) {
            return;
        }
        LambdaClient lambda = own(aws.toEndpoint(LambdaClient.builder()).build());
        own(new Console(template, aws.gateway().get(), this::functions, sqs, aws.queueWatch().get(), activity,
                () -> new Redrive(sqs, lambda, template), Clock.systemUTC()).mount());
    }

    /** What the stack did lately: what the console shows. */
    public Activity activity() {
        return activity;
    }

    /** Loads, provisions and starts; on failure stops what it started and rethrows. */
    public static LocalRuntime start(Options options, EmbeddedAws aws, FunctionLogs logs, InvocationLog log) {
        return new LocalRuntime(options, aws, logs, log);
    }

    private synchronized <T extends AutoCloseable> T own(T resource) {
        running.push(resource);
        return resource;
    }

    /** Restores the state now, and saves it when the runtime stops (after its sources, before its functions). */
    private void keep(StateSnapshot snapshot) {
        snapshot.restore(template, sqs, dynamo);
        own(() -> {
            if (started) {
                snapshot.save(template, sqs, dynamo);
            }
        });
    }

    private LambdaApi lambdaApi() {
        try {
            return new LambdaApi(0, this::function, log, deliveryFaults());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a port for the Lambda Invoke API", e);
        }
    }

    private FunctionTarget start(Specs.Function function, int maxInstances, Options options, FunctionLogs logs) {
        if (!function.runtime().startsWith("java")) {
            throw new TemplateException(options.template() + ": Resources." + function.logicalId()
                    + ".Properties.Runtime " + function.runtime() + " is not supported locally (Java runtimes are)");
        }
        Path workDirectory = options.workDirectory().toAbsolutePath().normalize();
        FunctionCode.Unpacked code = FunctionCode.unpack(function, workDirectory, options.buildCommand());
        Map<String, String> environment = new HashMap<>(function.environment());
        environment.putAll(options.environment().getOrDefault(function.logicalId(), Map.of()));
        environment.putAll(aws.clientEnvironment());
        // peers are invoked through this runtime, whatever endpoint serves the other services
        environment.put("AWS_ENDPOINT_URL_LAMBDA", lambdaApi.uri().toString());
        awsErrorsListener(function.name()).ifPresent(listener -> environment.put("AWS_ENDPOINT_URL", listener.uri().toString()));
        FunctionConfig config = new FunctionConfig(function.name(), function.handler(), code.directory(), function.timeout(),
                function.memoryMb(), environment, maxInstances, function.snapStart());
        AotCache aotCache = options.aotCache()
                ? AotCache.in(workDirectory.resolve("aot").resolve(function.logicalId()), code.sha256())
                : AotCache.off();
        FunctionPool pool = own(new FunctionPool(config, workDirectory.resolve("runtime"), logs,
                chaos.<InvocationFaults>map(c -> c).orElse(InvocationFaults.NONE), aotCache));
        AsyncInvoker async = own(new AsyncInvoker(pool, function.async().orElseGet(AsyncInvoker::defaults),
                function.deadLetterTargetArn(), sqs, this::deliverToFunction, options.retryDelays(), log, options.clock(),
                deliveryFaults()));
        return new FunctionTarget(function.logicalId(), pool, async);
    }

    private DeliveryFaults deliveryFaults() {
        return chaos.<DeliveryFaults>map(c -> c).orElse(DeliveryFaults.NONE);
    }

    /**
     * With aws-errors, each function reaches the endpoint through a port of its own where its
     * requests may be refused; the runtime's own clients (pollers, provisioning) keep the main port.
     */
    private Optional<Gateway.Listener> awsErrorsListener(String function) {
        if (chaos.isEmpty() || chaos.get().chaos().rate(Fault.AWS_ERRORS) <= 0 || aws.gateway().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(own(aws.gateway().get().listen(chaos.get().awsErrors(function))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a port for " + function + "'s AWS requests", e);
        }
    }

    private static int maxInstances(Specs.Function function, List<EventSources.Trigger> triggers) {
        if (function.reservedConcurrency().isPresent()) {
            return Math.max(1, function.reservedConcurrency().getAsInt());
        }
        return triggers.stream()
                .filter(trigger -> trigger.functionId().equals(function.logicalId()))
                .map(trigger -> trigger.event().maximumConcurrency())
                .filter(OptionalInt::isPresent)
                .mapToInt(OptionalInt::getAsInt)
                .max().orElse(DEFAULT_MAX_INSTANCES);
    }

    public SamTemplate template() {
        return template;
    }

    public EmbeddedAws aws() {
        return aws;
    }

    /** The API server, when the template has routes and an API port was given. */
    public Optional<HttpApiServer> api() {
        return sources.stream().filter(HttpApiServer.class::isInstance).map(HttpApiServer.class::cast).findFirst();
    }

    /** The Kafka broker and mappings, when the template has a Kafka event (SelfManagedKafka or MSK) and triggers run. */
    public Optional<KafkaSource> kafka() {
        return sources.stream().filter(KafkaSource.class::isInstance).map(KafkaSource.class::cast).findFirst();
    }

    /** The local RabbitMQ broker, when the template has MQ events and triggers run. */
    public Optional<RabbitMqServer> rabbitMq() {
        return sources.stream().filter(RabbitMqSource.class::isInstance).map(RabbitMqSource.class::cast)
                .flatMap(source -> source.server().stream()).findFirst();
    }

    /** The queues of the template's MQ events, each with the logical id of the function it feeds. */
    public Map<String, String> rabbitMqQueues() {
        return sources.stream().filter(RabbitMqSource.class::isInstance).map(RabbitMqSource.class::cast).findFirst()
                .map(RabbitMqSource::queues).orElse(Map.of());
    }

    /** The function with this name or logical id. */
    private Optional<FunctionTarget> function(String name) {
        return Optional.ofNullable(logicalIdByName.get(name)).map(functions::get);
    }

    private void deliverToFunction(String arn, byte[] record) {
        function(LambdaApi.functionName(arn)).ifPresentOrElse(target -> target.async().submit(record, "destination"),
                () -> log.problem("destination", arn + " is not a function of the template; record dropped"));
    }

    /** Invokes a function asynchronously (Event), with its retries and destinations; returns the request id. */
    public String invokeAsync(String logicalId, byte[] event) {
        return target(logicalId).async().submit(event, "invoke-async");
    }

    /** Invokes a function synchronously (RequestResponse). */
    public InvocationResult invoke(String logicalId, byte[] event) {
        return target(logicalId).pool().invoke(event);
    }

    private FunctionTarget target(String logicalId) {
        FunctionTarget target = functions.get(logicalId);
        if (target == null) {
            throw new IllegalArgumentException("no function " + logicalId + " in " + template.file()
                    + "; functions: " + String.join(", ", template.functionIds()));
        }
        return target;
    }

    /** The faults injected so far and the spec that repeats them, when this runs in chaos mode. */
    public Optional<ChaosSummary> chaosSummary() {
        return chaos.map(Injector::summary);
    }

    /** The Lambda Invoke API of this runtime. */
    public URI lambdaEndpoint() {
        return lambdaApi.uri();
    }

    /** The execution environments of each function, by logical id. */
    public Map<String, FunctionPool> functions() {
        Map<String, FunctionPool> pools = new LinkedHashMap<>();
        template.functions().forEach(f -> pools.put(f.logicalId(), functions.get(f.logicalId()).pool()));
        return pools;
    }

    /**
     * Stops everything this runtime started, the last started first, except that the functions'
     * pools stop together (an instance that trained an AOT cache takes seconds to write it); a
     * failure to stop one does not keep the others running.
     */
    @Override
    public synchronized void close() {
        List<Exception> failures = new CopyOnWriteArrayList<>();
        List<Thread> pools = new ArrayList<>();
        for (AutoCloseable resource = running.poll(); resource != null; resource = running.poll()) {
            if (resource instanceof FunctionPool pool) {
                pools.add(Thread.ofVirtual().name("stop-" + pool.config().name()).start(() -> closeRecording(pool, failures)));
            } else {
                closeRecording(resource, failures);
            }
        }
        for (Thread pool : pools) {
            try {
                pool.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(e);
                break;
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException failure = failures.getFirst() instanceof RuntimeException r ? r : new IllegalStateException(failures.getFirst());
            failures.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }

    private static void closeRecording(AutoCloseable resource, List<Exception> failures) {
        try {
            resource.close();
        } catch (Exception e) {
            failures.add(e);
        }
    }
}
