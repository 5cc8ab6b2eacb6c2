package eventjobs.payments.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The signature scheme: what is accepted, and why everything else is refused. */
class WebhookSignatureTest {

    private static final byte[] SECRET = "current-secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OLD_SECRET = "old-secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"id\":\"evt_1\",\"type\":\"payment.captured\"}".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-27T09:16:40Z");
    private static final long T = NOW.getEpochSecond() - 8;

    private static WebhookSignature.Verdict verify(String header) {
        return WebhookSignature.verify(Optional.of(header), BODY, SECRET, NOW);
    }

    private static String v1(byte[] secret, long timestamp, byte[] body) {
        return WebhookSignature.header(secret, timestamp, body).split(",")[1];
    }

    @Test
    void verify_shouldAccept_whenV1IsTheHmacOfTimestampDotBody() {
        assertThat(verify(WebhookSignature.header(SECRET, T, BODY)))
                .isEqualTo(new WebhookSignature.Verdict.Valid(Instant.ofEpochSecond(T)));
    }

    @Test
    void verify_shouldMatchAKnownHmac() {
        // openssl: printf '%s' '1795770992.{}' | openssl dgst -sha256 -hmac 'sample-signing-secret'
        assertThat(WebhookSignature.header("sample-signing-secret".getBytes(StandardCharsets.UTF_8), 1795770992L,
                "{}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("t=1795770992,v1=" + Hmac.openssl("sample-signing-secret", "1795770992.{}"));
    }

    @Test
    void verify_shouldAccept_whenOneOfSeveralV1Matches_duringSecretRotation() {
        String header = "t=" + T + "," + v1(OLD_SECRET, T, BODY) + "," + v1(SECRET, T, BODY);

        assertThat(verify(header)).isInstanceOf(WebhookSignature.Verdict.Valid.class);
        assertThat(WebhookSignature.verify(Optional.of(header), BODY, OLD_SECRET, NOW)).isInstanceOf(WebhookSignature.Verdict.Valid.class);
    }

    @Test
    void verify_shouldIgnoreOtherSchemes_andSpacesAroundElements() {
        String header = "t=" + T + ", v0=" + "0".repeat(64) + " , " + v1(SECRET, T, BODY);

        assertThat(verify(header)).isInstanceOf(WebhookSignature.Verdict.Valid.class);
    }

    @Test
    void verify_shouldRefuse_whenSignedWithAnotherSecret() {
        assertThat(verify(WebhookSignature.header(OLD_SECRET, T, BODY))).isInstanceOf(WebhookSignature.Verdict.Mismatch.class);
    }

    @Test
    void verify_shouldRefuse_whenOneByteOfTheBodyChanged() {
        byte[] changed = BODY.clone();
        changed[changed.length - 2] ^= 1;

        assertThat(WebhookSignature.verify(Optional.of(WebhookSignature.header(SECRET, T, BODY)), changed, SECRET, NOW))
                .isInstanceOf(WebhookSignature.Verdict.Mismatch.class);
    }

    @Test
    void verify_shouldRefuse_whenTheTimestampWasChangedToLookFresh() {
        // a captured request with its t moved: the signature covers t, so it no longer matches
        String old = v1(SECRET, T - 3600, BODY);

        assertThat(verify("t=" + T + "," + old)).isInstanceOf(WebhookSignature.Verdict.Mismatch.class);
    }

    @ParameterizedTest(name = "signed {0} s from now -> {1}")
    @CsvSource({"-300, valid", "300, valid", "-301, stale", "301, stale", "-86400, stale"})
    void verify_shouldAllowFiveMinutesEitherWay(long offset, String expected) {
        long timestamp = NOW.getEpochSecond() + offset;

        WebhookSignature.Verdict verdict = verify(WebhookSignature.header(SECRET, timestamp, BODY));

        assertThat(verdict).isInstanceOf(expected.equals("valid") ? WebhookSignature.Verdict.Valid.class
                : WebhookSignature.Verdict.Stale.class);
    }

    @Test
    void verify_shouldSayTheHeaderIsMissing_whenThereIsNone() {
        assertThat(WebhookSignature.verify(Optional.empty(), BODY, SECRET, NOW))
                .isEqualTo(new WebhookSignature.Verdict.Malformed("the Payment-Signature header is missing"));
        assertThat(verify("  ")).isEqualTo(new WebhookSignature.Verdict.Malformed("the Payment-Signature header is missing"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "nonsense                                    | is not key=value",
            "sha256=abc                                  | there is no t=<unix seconds>",
            "t=1795770984                                | there is no v1 signature",
            "v1=ab                                       | v1 must be 64 hex digits",
            "t=yesterday,v1=00                           | t must be Unix seconds",
            "t=-5,v1=00                                  | t must be Unix seconds",
            "t=1,t=2,v1=00                               | t is given twice",
            "t=1795770984,v1=xyz                         | v1 must be 64 hex digits",
            "t=1795770984,=00                            | is not key=value",
    })
    void verify_shouldSayWhatIsWrong_whenTheHeaderIsMalformed(String header, String reason) {
        assertThat(verify(header.strip())).isInstanceOfSatisfying(WebhookSignature.Verdict.Malformed.class,
                malformed -> assertThat(malformed.reason()).contains(reason.strip()));
    }

    @Test
    void verify_shouldSayThereIsNoTimestamp_whenOnlyV1IsGiven() {
        assertThat(verify(v1(SECRET, T, BODY))).isEqualTo(new WebhookSignature.Verdict.Malformed("there is no t=<unix seconds>"));
    }

    @Test
    void verify_shouldBoundWhatItEchoes_fromAHugeMalformedHeader() {
        WebhookSignature.Verdict verdict = verify("t=" + "9".repeat(5000) + ",v1=00");

        assertThat(verdict).isInstanceOfSatisfying(WebhookSignature.Verdict.Malformed.class,
                malformed -> assertThat(malformed.reason()).hasSizeLessThan(160));
    }

    /** The HMAC as the README's shell recipe computes it, with openssl. */
    private static final class Hmac {
        static String openssl(String secret, String message) {
            try {
                Process process = new ProcessBuilder("openssl", "dgst", "-sha256", "-hmac", secret).redirectErrorStream(true).start();
                try (var in = process.getOutputStream()) {
                    in.write(message.getBytes(StandardCharsets.UTF_8));
                }
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertThat(process.waitFor()).as(output).isZero();
                // "SHA2-256(stdin)= <hex>" (OpenSSL 3) or "(stdin)= <hex>"
                return output.substring(output.lastIndexOf(' ') + 1);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("openssl is needed for this test", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
