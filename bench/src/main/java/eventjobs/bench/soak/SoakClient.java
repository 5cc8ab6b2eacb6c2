package eventjobs.bench.soak;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A well-behaved API client, as the README asks clients to be: every POST carries an
 * {@code Idempotency-Key}, and an answer that may hide a success (a 5xx, a 429, a dropped
 * connection) is retried with the same key and body, with growing pauses, until a final answer
 * (2xx or 4xx) or {@value #ATTEMPTS} attempts. Thread-safe.
 */
final class SoakClient {

    static final int ATTEMPTS = 30;

    /** The final answer to a request: its status, body, and how many attempts it took. */
    record Answer(int status, String body, int attempts, boolean replayed) {
        boolean accepted() {
            return status == 202;
        }

        /** A field of the JSON body, if it has one. */
        Optional<String> field(String name) {
            try {
                JsonNode node = JsonMapper.shared().readTree(body).get(name);
                return node == null || node.isNull() ? Optional.empty() : Optional.of(node.asString());
            } catch (RuntimeException notJson) {
                return Optional.empty();
            }
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI api;
    private final AtomicLong retries = new AtomicLong();

    SoakClient(URI api) {
        this.api = api;
    }

    Answer post(String path, String key, String body) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(45))
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        int status = -1;
        String text = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                text = response.body();
                if (status < 500 && status != 429) {
                    return new Answer(status, text, attempt, response.headers().firstValue("Idempotent-Replayed").isPresent());
                }
            } catch (IOException dropped) {
                status = -1;
                text = dropped.toString();
            }
            retries.incrementAndGet();
            Thread.sleep(Math.min(5_000, 100L * attempt * attempt));
        }
        return new Answer(status, text, ATTEMPTS, false);
    }

    long retries() {
        return retries.get();
    }
}
