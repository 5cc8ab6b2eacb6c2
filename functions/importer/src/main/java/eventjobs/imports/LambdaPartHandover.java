package eventjobs.imports;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

import java.util.function.Supplier;

/**
 * Hands the next part to this same function with an asynchronous invoke ({@code Event}), so it
 * gets what the upload's own event gets: Lambda's two retries, then the OnFailure destination
 * (UploadsDLQ) with the part's event in the invocation record. The Lambda client is built at the
 * first handover, not at every cold start: most files fit in one part. Thread-safe.
 */
public final class LambdaPartHandover implements PartHandover {

    private final Supplier<LambdaClient> newClient;
    private LambdaClient client;

    /** @param newClient builds the client, once, when the first part is handed over */
    public LambdaPartHandover(Supplier<LambdaClient> newClient) {
        this.newClient = newClient;
    }

    @Override
    public void handOver(ImportPart next, String functionArn) {
        client().invoke(r -> r.functionName(functionArn).invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(next.toEvent())));
    }

    private synchronized LambdaClient client() {
        if (client == null) {
            client = newClient.get();
        }
        return client;
    }
}
