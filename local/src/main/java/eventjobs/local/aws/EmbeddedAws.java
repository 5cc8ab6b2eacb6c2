package eventjobs.local.aws;

import org.apache.pekko.actor.ActorSystem;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * An AWS-compatible endpoint on loopback, for tests and the local runtime: one {@link Gateway}
 * port that routes by service to ElasticMQ (SQS, in this JVM), S3Proxy (S3, in this JVM, its
 * store wrapped to report every created object) and a {@code moto_server} child process
 * (DynamoDB, DynamoDB Streams, Secrets Manager). When {@code AWS_ENDPOINT_URL} is set, nothing is started and every
 * client goes to that endpoint instead (LocalStack or another emulator).
 *
 * <p>Instances are thread-safe; clients they hand out are too. Whoever starts one closes it.
 */
public final class EmbeddedAws implements AutoCloseable {

    public static final String REGION = "us-east-1";
    public static final String ACCOUNT_ID = "000000000000";

    private final Gateway gateway;
    private final SQSRestServer sqsServer;
    private final MotoServer moto;
    private final S3Proxy s3;
    private final NotifyingBlobStore blobs;
    private final URI endpoint;
    private final ActorSystem actors;
    private final QueueWatch queueWatch;

    private EmbeddedAws(Gateway gateway, SQSRestServer sqsServer, MotoServer moto, S3Proxy s3, NotifyingBlobStore blobs,
                        URI endpoint, ActorSystem actors, QueueWatch queueWatch) {
        this.actors = actors;
        this.queueWatch = queueWatch;
        this.gateway = gateway;
        this.sqsServer = sqsServer;
        this.moto = moto;
        this.s3 = s3;
        this.blobs = blobs;
        this.endpoint = endpoint;
    }

    /** Uses an endpoint someone else runs, for every service. */
    public static EmbeddedAws external(URI endpoint) {
        return new EmbeddedAws(null, null, null, null, null, endpoint, null, null);
    }

    /**
     * Starts the gateway on {@code port} (0: any free port), ElasticMQ and moto behind it.
     *
     * @throws java.io.UncheckedIOException when the port is taken
     * @throws IllegalStateException when {@code moto_server} is not installed or does not come up
     */
    public static EmbeddedAws start(int port) {
        return start(port, Optional.empty());
    }

    /**
     * Like {@link #start(int)}; with {@code s3Directory}, S3 objects are kept on disk there and
     * are still there on the next start.
     */
    public static EmbeddedAws start(int port, Optional<Path> s3Directory) {
        Gateway gateway;
        try {
            gateway = new Gateway(port);
        } catch (java.net.BindException e) {
            throw new PortInUse(port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open port " + port, e);
        }
        MotoServer moto = null;
        SQSRestServer sqs = null;
        S3Proxy s3 = null;
        ActorSystem actors = null;
        try {
            moto = MotoServer.start();
            int sqsPort = freePort();
            actors = ActorSystem.create("elasticmq");
            QueueWatch watch = new QueueWatch();
            // queue URLs ElasticMQ hands out point at the gateway, where clients reach it
            sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(sqsPort)
                    .withServerAddress(new NodeAddress("http", "localhost", gateway.port(), ""))
                    .withAWSRegion(REGION).withAWSAccountId(ACCOUNT_ID)
                    .withActorSystem(actors).withQueueEventListener(watch.listener(actors))
                    .start();
            sqs.waitUntilStarted();
            NotifyingBlobStore blobs = new NotifyingBlobStore(s3Directory.isPresent()
                    ? new FilesystemNio2BlobStore(createDirectories(s3Directory.get()).toString())
                    : new TransientNio2BlobStore());
            int s3Port = freePort();
            s3 = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + s3Port))
                    .awsAuthentication(AuthenticationType.NONE, "", "").ignoreUnknownHeaders(true).build();
            s3.start();
            gateway.route("sqs", URI.create("http://127.0.0.1:" + sqsPort));
            gateway.routeDynamoDb(moto.endpoint());
            gateway.route("secretsmanager", moto.endpoint());
            gateway.route("s3", URI.create("http://127.0.0.1:" + s3Port));
            gateway.internal("/_eventjobs/queues", new QueueLag(watch, Clock.systemUTC()));
            return new EmbeddedAws(gateway, sqs, moto, s3, blobs, gateway.uri(), actors, watch);
        } catch (Exception e) {
            stopQuietly(s3);
            gateway.close();
            if (moto != null) {
                moto.close();
            }
            if (sqs != null) {
                sqs.stopAndWait();
            }
            if (actors != null) {
                actors.terminate();
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot start S3Proxy", e);
        }
    }

    private static Path createDirectories(Path directory) {
        try {
            return java.nio.file.Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
    }

    private static void stopQuietly(S3Proxy s3) {
        if (s3 != null) {
            try {
                s3.stop();
            } catch (Exception ignored) {
                // already failing
            }
        }
    }

    /**
     * Calls {@code listener} for every object created in the embedded S3 (nothing when the
     * endpoint is external: its own bucket notifications carry the events then).
     */
    public void onObjectCreated(java.util.function.Consumer<ObjectCreated> listener) {
        if (blobs != null) {
            blobs.listener(listener);
        }
    }

    public S3Client s3() {
        return toEndpoint(S3Client.builder()).forcePathStyle(true).build();
    }

    /** The port asked for is taken by another process. */
    public static final class PortInUse extends RuntimeException {
        public PortInUse(int port) {
            super("port " + port + " is already in use");
        }
    }

    /** The one endpoint for every service. */
    public URI endpoint() {
        return endpoint;
    }

    /** Whether this runs the emulators itself (false when it uses AWS_ENDPOINT_URL). */
    public boolean embedded() {
        return gateway != null;
    }

    /**
     * What the embedded ElasticMQ holds, read without receiving anything (see {@link QueueWatch});
     * empty when the endpoint is external.
     */
    public Optional<QueueWatch> queueWatch() {
        return Optional.ofNullable(queueWatch);
    }

    /** The gateway, to add services to. */
    public Optional<Gateway> gateway() {
        return Optional.ofNullable(gateway);
    }

    /**
     * Environment variables that point an AWS SDK (a function's, the aws CLI) at this endpoint,
     * with the dummy credentials emulators accept.
     */
    public Map<String, String> clientEnvironment() {
        return Map.of(
                "AWS_ENDPOINT_URL", endpoint.toString(),
                "AWS_REGION", REGION,
                "AWS_DEFAULT_REGION", REGION,
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test");
    }

    public SqsClient sqs() {
        return toEndpoint(SqsClient.builder()).build();
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb(new RequestCounter());
    }

    public SecretsManagerClient secretsManager() {
        return toEndpoint(SecretsManagerClient.builder()).build();
    }

    /** A DynamoDB client whose requests {@code counter} counts. */
    public DynamoDbClient dynamoDb(RequestCounter counter) {
        return toEndpoint(DynamoDbClient.builder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(counter))
                .build();
    }

    /**
     * A DynamoDB Streams client. It signs as {@code dynamodb} and names its operations with the
     * {@code DynamoDBStreams_20120810} target, so the gateway sends it to moto with DynamoDB's
     * requests, and moto serves it from the same tables.
     */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return toEndpoint(DynamoDbStreamsClient.builder()).build();
    }

    /** A client builder pointed at this endpoint, with the dummy credentials emulators accept. */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> B toEndpoint(B builder) {
        return builder.endpointOverride(endpoint)
                .region(Region.of(REGION))
                .credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
    }

    @Override
    public synchronized void close() {
        if (gateway != null) {
            gateway.close();
        }
        if (sqsServer != null) {
            sqsServer.stopAndWait();
        }
        if (actors != null) {
            actors.terminate();
        }
        if (moto != null) {
            moto.close();
        }
        stopQuietly(s3);
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    static int freePort() {
        // Below the kernel's ephemeral range: a port the kernel hands out (bind to 0) is soon handed
        // out again to an outgoing connection, which may take it before the server that was given
        // it listens (seen with several runtimes on one machine).
        int below = ephemeralRangeStart();
        if (below > FIRST_CHOSEN_PORT + 1000) {
            for (int attempt = 0; attempt < 50; attempt++) {
                int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(FIRST_CHOSEN_PORT, below);
                try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                    return socket.getLocalPort();
                } catch (IOException taken) {
                    // another one
                }
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The lowest port freePort chooses itself: above the well-known ports local tools listen on. */
    private static final int FIRST_CHOSEN_PORT = 20_000;

    private static int ephemeralRangeStart() {
        try {
            return Integer.parseInt(java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException notLinux) {
            return 0;
        }
    }
}
