package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.BucketNotificationQueue;
import eventjobs.local.sources.HttpApiServer;
import eventjobs.local.sources.LambdaApi;
import eventjobs.local.sources.S3Notifications;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.SqsPoller;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import eventjobs.local.template.TemplateException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A template running on one machine: its resources created on an AWS endpoint, each function
 * behind a pool of local execution environments, and its triggers (SQS mappings, API routes)
 * driving them with Lambda's rules. Thread-safe; {@link #close()} stops everything it started.
 */
public final class LocalRuntime implements AutoCloseable {

    /** Instances per function when neither reserved concurrency nor a mapping limits it. */
    private static final int DEFAULT_MAX_INSTANCES = 10;

    /**
     * @param apiPort   port of the HTTP API server; -1 for none (invoke only), 0 for any free one
     * @param triggers  whether to run SQS pollers (false for a one-off invoke)
     */
    public record Options(Path template, String stackName, Map<String, String> parameters, Path workDirectory,
                          int apiPort, boolean triggers, String buildCommand, AsyncInvoker.RetryDelays retryDelays,
                          Optional<Path> stateDirectory) {

        public Options(Path template, String stackName, Map<String, String> parameters, Path workDirectory,
                       int apiPort, boolean triggers, String buildCommand) {
            this(template, stackName, parameters, workDirectory, apiPort, triggers, buildCommand,
                    AsyncInvoker.RetryDelays.aws(), Optional.empty());
        }

        public Options(Path template, String stackName, Map<String, String> parameters, Path workDirectory,
                       int apiPort, boolean triggers, String buildCommand, AsyncInvoker.RetryDelays retryDelays) {
            this(template, stackName, parameters, workDirectory, apiPort, triggers, buildCommand, retryDelays, Optional.empty());
        }
    }

    private final SamTemplate template;
    private final EmbeddedAws aws;
    private final SqsClient sqs;
    private final DynamoDbClient dynamo;
    private final S3Client s3;
    private final Map<String, FunctionPool> pools = new LinkedHashMap<>();
    private final Map<String, AsyncInvoker> asyncInvokers = new LinkedHashMap<>();
    private final Map<String, String> logicalIdByName = new HashMap<>();
    private LambdaApi lambdaApi;
    private BucketNotificationQueue bucketNotifications;
    private Optional<StateSnapshot> snapshot = Optional.empty();
    private boolean started;
    private final List<SqsPoller> pollers = new ArrayList<>();
    private HttpApiServer api;

    private LocalRuntime(Options options, EmbeddedAws aws, FunctionLogs logs, InvocationLog log) {
        this.aws = aws;
        this.template = SamTemplate.load(options.template(), options.stackName(), options.parameters());
        template.sqsEndpoint(aws.endpoint().toString());
        this.sqs = aws.sqs();
        this.dynamo = aws.dynamoDb();
        this.s3 = aws.s3();
        try {
            run(options, logs, log);
            started = true;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void run(Options options, FunctionLogs logs, InvocationLog log) {
        new Provisioner(sqs, dynamo, s3).provision(template);
        snapshot = options.stateDirectory().map(StateSnapshot::new);
        snapshot.ifPresent(state -> state.restore(template, sqs, dynamo));
        Path workDirectory = options.workDirectory().toAbsolutePath().normalize();
        try {
            this.lambdaApi = new LambdaApi(0, this::target, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a port for the Lambda Invoke API", e);
        }
        aws.gateway().ifPresent(gateway -> gateway.route("lambda", lambdaApi.uri()));
        for (Specs.Function function : template.functions()) {
            if (!function.runtime().startsWith("java")) {
                throw new TemplateException(options.template() + ": Resources." + function.logicalId()
                        + ".Properties.Runtime " + function.runtime() + " is not supported locally (Java runtimes are)");
            }
            Path code = FunctionCode.unpack(function, workDirectory, options.buildCommand());
            Map<String, String> environment = new HashMap<>(function.environment());
            environment.putAll(aws.clientEnvironment());
            // peers are invoked through this runtime, whatever endpoint serves the other services
            environment.put("AWS_ENDPOINT_URL_LAMBDA", lambdaApi.uri().toString());
            FunctionConfig config = new FunctionConfig(function.name(), function.handler(), code, function.timeout(),
                    function.memoryMb(), environment, maxInstances(function));
            FunctionPool pool = new FunctionPool(config, workDirectory.resolve("runtime"), logs);
            pools.put(function.logicalId(), pool);
            logicalIdByName.put(function.name(), function.logicalId());
            logicalIdByName.put(function.logicalId(), function.logicalId());
            asyncInvokers.put(function.logicalId(), new AsyncInvoker(pool, function.async().orElseGet(AsyncInvoker::defaults),
                    function.deadLetterTargetArn(), sqs, this::deliverToFunction, options.retryDelays(), log, Clock.systemUTC()));
        }
        if (options.triggers()) {
            S3Notifications notifications = new S3Notifications();
            Map<String, String> bucketNames = new HashMap<>();
            template.buckets().forEach(b -> bucketNames.put(b.logicalId(), b.name()));
            for (Specs.Function function : template.functions()) {
                for (Specs.Event event : function.events()) {
                    if (event instanceof Specs.S3Event s3Event) {
                        notifications.add(bucketNames.get(s3Event.bucketLogicalId()), s3Event, function.logicalId(),
                                asyncInvokers.get(function.logicalId()));
                    }
                }
            }
            if (aws.embedded()) {
                aws.onObjectCreated(notifications);
            } else if (!notifications.isEmpty()) {
                bucketNotifications = new BucketNotificationQueue(sqs, s3, options.stackName() + "-s3-notifications", notifications);
            }
            Map<String, Specs.Queue> queues = new HashMap<>();
            template.queues().forEach(q -> queues.put(q.logicalId(), q));
            for (Specs.Function function : template.functions()) {
                for (Specs.Event event : function.events()) {
                    if (event instanceof Specs.SqsEvent mapping) {
                        Specs.Queue queue = queues.get(mapping.queueLogicalId());
                        String url = sqs.getQueueUrl(r -> r.queueName(queue.name())).queueUrl();
                        String arn = "arn:aws:sqs:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":" + queue.name();
                        pollers.add(new SqsPoller(sqs, mapping, url, arn, pools.get(function.logicalId()), log).start());
                    }
                }
            }
        }
        this.api = options.apiPort() < 0 ? null : api(options.apiPort(), log);
    }

    /** Loads, provisions and starts; on failure stops what it started and rethrows. */
    public static LocalRuntime start(Options options, EmbeddedAws aws, FunctionLogs logs, InvocationLog log) {
        return new LocalRuntime(options, aws, logs, log);
    }

    private HttpApiServer api(int port, InvocationLog log) {
        try {
            HttpApiServer server = new HttpApiServer(port, log);
            boolean any = false;
            for (Specs.Function function : template.functions()) {
                for (Specs.Event event : function.events()) {
                    if (event instanceof Specs.HttpEvent http) {
                        server.route(http.method(), http.path(), http.httpApi(), pools.get(function.logicalId()));
                        any = true;
                    }
                }
            }
            return any ? server.start() : closeAndNull(server);
        } catch (java.net.BindException e) {
            throw new EmbeddedAws.PortInUse(port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpApiServer closeAndNull(HttpApiServer server) {
        server.close();
        return null;
    }

    private static int maxInstances(Specs.Function function) {
        if (function.reservedConcurrency().isPresent()) {
            return Math.max(1, function.reservedConcurrency().getAsInt());
        }
        return function.events().stream()
                .filter(Specs.SqsEvent.class::isInstance)
                .map(Specs.SqsEvent.class::cast)
                .filter(e -> e.maximumConcurrency().isPresent())
                .mapToInt(e -> e.maximumConcurrency().getAsInt())
                .max().orElse(DEFAULT_MAX_INSTANCES);
    }

    public SamTemplate template() {
        return template;
    }

    public EmbeddedAws aws() {
        return aws;
    }

    /** The API server, when the template has routes. */
    public Optional<HttpApiServer> api() {
        return Optional.ofNullable(api);
    }

    private Optional<LambdaApi.Target> target(String name) {
        String logicalId = logicalIdByName.get(name);
        if (logicalId == null) {
            return Optional.empty();
        }
        FunctionPool pool = pools.get(logicalId);
        AsyncInvoker async = asyncInvokers.get(logicalId);
        return Optional.of(new LambdaApi.Target() {
            @Override
            public InvocationResult invoke(byte[] payload) {
                return pool.invoke(payload);
            }

            @Override
            public String submit(byte[] payload, String trigger) {
                return async.submit(payload, trigger);
            }
        });
    }

    private void deliverToFunction(String arn, byte[] record) {
        target(LambdaApi.functionName(arn)).ifPresentOrElse(t -> t.submit(record, "destination"),
                () -> System.err.println("eventjobs-local: destination " + arn + " is not a function of the template; record dropped"));
    }

    /** Invokes a function asynchronously (Event), with its retries and destinations; returns the request id. */
    public String invokeAsync(String logicalId, byte[] event) {
        AsyncInvoker invoker = asyncInvokers.get(logicalId);
        if (invoker == null) {
            throw new IllegalArgumentException("no function " + logicalId + " in " + template.file()
                    + "; functions: " + String.join(", ", pools.keySet()));
        }
        return invoker.submit(event, "invoke-async");
    }

    /** The Lambda Invoke API of this runtime. */
    public URI lambdaEndpoint() {
        return lambdaApi.uri();
    }

    /** Invokes a function synchronously (RequestResponse). */
    public InvocationResult invoke(String logicalId, byte[] event) {
        FunctionPool pool = pools.get(logicalId);
        if (pool == null) {
            throw new IllegalArgumentException("no function " + logicalId + " in " + template.file()
                    + "; functions: " + String.join(", ", pools.keySet()));
        }
        return pool.invoke(event);
    }

    public Map<String, FunctionPool> functions() {
        return pools;
    }

    @Override
    public void close() {
        aws.onObjectCreated(created -> { });
        if (bucketNotifications != null) {
            bucketNotifications.close();
        }
        pollers.forEach(SqsPoller::close);
        if (started) {
            snapshot.ifPresent(state -> state.save(template, sqs, dynamo));
        }
        asyncInvokers.values().forEach(AsyncInvoker::close);
        if (lambdaApi != null) {
            lambdaApi.close();
        }
        if (api != null) {
            api.close();
        }
        pools.values().forEach(FunctionPool::close);
        sqs.close();
        dynamo.close();
        s3.close();
    }
}
