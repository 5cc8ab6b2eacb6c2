package eventjobs.payments.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The signature a payment provider puts on each webhook request, in the scheme the common
 * providers use: the header {@code Payment-Signature: t=<unix seconds>,v1=<hex>} where the hex is
 * the HMAC-SHA256, keyed with the shared secret, of {@code <t>.<body>} (the timestamp as sent, a
 * dot, the body's bytes). During a secret rotation the provider signs with the old and the new
 * secret and sends one {@code v1} per secret; one matching is enough. Elements of other schemes
 * ({@code v0=…}) are ignored.
 *
 * <p>Signatures are compared in constant time ({@link MessageDigest#isEqual}), so the time an
 * answer takes says nothing about how much of a forged signature was right. The timestamp must lie
 * within {@link #TOLERANCE} of now (either way, for clocks that are a little off): a request
 * captured and sent again later is refused, although its signature is genuine. Stateless and
 * thread-safe.
 */
public final class WebhookSignature {

    /** The header's name, as HTTP APIs deliver it (lower case). */
    public static final String HEADER = "payment-signature";
    /** How far a request's timestamp may be from now. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private WebhookSignature() {}

    /** What checking a request's signature found. */
    public sealed interface Verdict {
        /** A v1 signature matches, and the timestamp is within the tolerance. */
        record Valid(Instant signedAt) implements Verdict {}

        /** The header is missing or is not {@code t=…,v1=…}: {@code reason} says how. */
        record Malformed(String reason) implements Verdict {}

        /** The header is well formed but no v1 signature matches this body and timestamp with this secret. */
        record Mismatch() implements Verdict {}

        /** The signature matches, but it was made too long ago (or too far ahead): a replay, or a clock that is off. */
        record Stale(Instant signedAt) implements Verdict {}
    }

    /**
     * @param header the {@code Payment-Signature} header, if the request had one
     * @param body   the request body as received, byte for byte
     * @param secret the shared secret's bytes (UTF-8 of the secret string)
     */
    public static Verdict verify(Optional<String> header, byte[] body, byte[] secret, Instant now) {
        if (header.isEmpty() || header.get().isBlank()) {
            return new Verdict.Malformed("the Payment-Signature header is missing");
        }
        String timestamp = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String element : header.get().split(",")) {
            int equals = element.indexOf('=');
            if (equals < 1) {
                return new Verdict.Malformed("'" + bounded(element.strip()) + "' is not key=value (expected t=<unix seconds>,v1=<hex>)");
            }
            String key = element.substring(0, equals).strip();
            String value = element.substring(equals + 1).strip();
            switch (key) {
                case "t" -> {
                    if (timestamp != null) {
                        return new Verdict.Malformed("t is given twice");
                    }
                    if (!TIMESTAMP.matcher(value).matches()) {
                        return new Verdict.Malformed("t must be Unix seconds, was '" + bounded(value) + "'");
                    }
                    timestamp = value;
                }
                case "v1" -> {
                    if (!HEX_SHA256.matcher(value).matches()) {
                        return new Verdict.Malformed("v1 must be 64 hex digits (an HMAC-SHA256), was '" + bounded(value) + "'");
                    }
                    signatures.add(HexFormat.of().parseHex(value));
                }
                default -> {
                    // another scheme's signature: not ours to check
                }
            }
        }
        if (timestamp == null) {
            return new Verdict.Malformed("there is no t=<unix seconds>");
        }
        if (signatures.isEmpty()) {
            return new Verdict.Malformed("there is no v1 signature");
        }
        byte[] expected = sign(secret, timestamp, body);
        boolean matches = false;
        for (byte[] signature : signatures) {
            // no early exit: every signature is compared, each in constant time
            matches |= MessageDigest.isEqual(expected, signature);
        }
        if (!matches) {
            return new Verdict.Mismatch();
        }
        Instant signedAt = Instant.ofEpochSecond(Long.parseLong(timestamp));
        if (Duration.between(signedAt, now).abs().compareTo(TOLERANCE) > 0) {
            return new Verdict.Stale(signedAt);
        }
        return new Verdict.Valid(signedAt);
    }

    /** The header a provider would send for {@code body} at {@code timestamp}: for tests, samples and the README's curl. */
    public static String header(byte[] secret, long timestamp, byte[] body) {
        return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(sign(secret, Long.toString(timestamp), body));
    }

    private static byte[] sign(byte[] secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA256 and takes any key for it", e);
        }
    }

    private static String bounded(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }
}
