package eventjobs.local.aws;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;

/**
 * AWS-compatible endpoints on loopback, for tests and the local runtime: SQS is ElasticMQ in
 * this JVM, DynamoDB is a {@code moto_server} child process. When {@code AWS_ENDPOINT_URL} is
 * set, nothing is started and every service goes to that endpoint instead (LocalStack or
 * another emulator).
 *
 * <p>{@link #shared()} starts the emulators once per JVM and stops them when it exits.
 * Instances are thread-safe; clients they hand out are too.
 */
public final class EmbeddedAws implements AutoCloseable {

    public static final String REGION = "us-east-1";
    public static final String ACCOUNT_ID = "000000000000";

    private static EmbeddedAws shared;

    private final SQSRestServer sqsServer;
    private final MotoServer moto;
    private final Map<String, URI> endpoints;
    private final ResourceReset reset;

    private EmbeddedAws(SQSRestServer sqsServer, MotoServer moto, Map<String, URI> endpoints) {
        this.sqsServer = sqsServer;
        this.moto = moto;
        this.endpoints = Map.copyOf(endpoints);
        this.reset = new ResourceReset(this);
    }

    /** The emulators of this JVM, started on first use and stopped when the JVM exits. */
    public static synchronized EmbeddedAws shared() {
        if (shared == null) {
            String external = System.getenv("AWS_ENDPOINT_URL");
            shared = external == null || external.isBlank() ? start() : external(URI.create(external));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "embedded-aws-stop"));
        }
        return shared;
    }

    /** Uses an endpoint someone else runs for every service. */
    public static EmbeddedAws external(URI endpoint) {
        return new EmbeddedAws(null, null, Map.of("sqs", endpoint, "dynamodb", endpoint));
    }

    /**
     * Starts ElasticMQ and moto on free loopback ports.
     *
     * @throws IllegalStateException when {@code moto_server} is not installed or does not come up
     */
    public static EmbeddedAws start() {
        MotoServer moto = MotoServer.start(freePort());
        SQSRestServer sqs = null;
        try {
            int sqsPort = freePort();
            sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(sqsPort)
                    .withServerAddress(new NodeAddress("http", "127.0.0.1", sqsPort, ""))
                    .withAWSRegion(REGION).withAWSAccountId(ACCOUNT_ID)
                    .start();
            sqs.waitUntilStarted();
            return new EmbeddedAws(sqs, moto, Map.of(
                    "sqs", URI.create("http://127.0.0.1:" + sqsPort),
                    "dynamodb", moto.endpoint()));
        } catch (RuntimeException e) {
            moto.close();
            if (sqs != null) {
                sqs.stopAndWait();
            }
            throw e;
        }
    }

    /** The endpoint serving {@code service} ("sqs", "dynamodb"). */
    public URI endpoint(String service) {
        URI endpoint = endpoints.get(service);
        if (endpoint == null) {
            throw new IllegalArgumentException("no local endpoint for " + service + "; known: " + endpoints.keySet());
        }
        return endpoint;
    }

    /**
     * Environment variables that point an AWS SDK (a function's, the aws CLI) at these endpoints,
     * with the dummy credentials emulators accept.
     */
    public Map<String, String> clientEnvironment() {
        return Map.of(
                "AWS_ENDPOINT_URL_SQS", endpoint("sqs").toString(),
                "AWS_ENDPOINT_URL_DYNAMODB", endpoint("dynamodb").toString(),
                "AWS_REGION", REGION,
                "AWS_DEFAULT_REGION", REGION,
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test");
    }

    public SqsClient sqs() {
        return SqsClient.builder()
                .endpointOverride(endpoint("sqs"))
                .region(Region.of(REGION))
                .credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb(new RequestCounter());
    }

    /** A DynamoDB client whose requests {@code counter} counts. */
    public DynamoDbClient dynamoDb(RequestCounter counter) {
        return DynamoDbClient.builder()
                .overrideConfiguration(c -> c.addExecutionInterceptor(counter))
                .endpointOverride(endpoint("dynamodb"))
                .region(Region.of(REGION))
                .credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** Deletes every queue and table, so the next test starts from nothing. */
    public void reset() {
        reset.run();
    }

    @Override
    public synchronized void close() {
        if (sqsServer != null) {
            sqsServer.stopAndWait();
        }
        if (moto != null) {
            moto.close();
        }
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
