package eventjobs.core.s3;

import eventjobs.core.Hashing;

import java.nio.charset.StandardCharsets;

/**
 * Keys of objects written for an uploaded object ({@code import-reports/<key>.json},
 * {@code thumbnails/128/<key>}), kept within S3's limit of {@value #MAX_KEY_BYTES} bytes of
 * UTF-8: an upload's key may itself be 1,024 bytes long, and S3 refuses a longer key (emulators
 * may not). A derived key that would be too long keeps the start of the upload's key and ends
 * with {@code ~} and the first 16 hex digits of the SHA-256 of the whole key, so it stays unique.
 */
public final class DerivedKeys {

    /** S3's limit on an object key, in bytes of UTF-8. */
    public static final int MAX_KEY_BYTES = 1024;

    private static final int HASH_CHARS = 16;

    private DerivedKeys() {}

    /**
     * {@code prefix + key + suffix} if that fits in {@value #MAX_KEY_BYTES} bytes, else
     * {@code prefix + <start of key> + "~" + <hash of key> + suffix}, exactly as long as fits.
     *
     * @throws IllegalArgumentException if the prefix and suffix alone leave no room
     */
    public static String of(String prefix, String key, String suffix) {
        String whole = prefix + key + suffix;
        if (bytes(whole) <= MAX_KEY_BYTES) {
            return whole;
        }
        String tail = "~" + Hashing.sha256(key).substring(0, HASH_CHARS) + suffix;
        int room = MAX_KEY_BYTES - bytes(prefix) - bytes(tail);
        if (room < 1) {
            throw new IllegalArgumentException("no room for a key between '" + prefix + "' and '" + suffix + "'");
        }
        StringBuilder start = new StringBuilder();
        int used = 0;
        for (int i = 0; i < key.length(); ) {
            int codePoint = key.codePointAt(i);
            int size = bytes(new String(Character.toChars(codePoint)));
            if (used + size > room) {
                break;
            }
            start.appendCodePoint(codePoint);
            used += size;
            i += Character.charCount(codePoint);
        }
        return prefix + start + tail;
    }

    /** True when {@link #of} had to shorten the key. */
    public static boolean shortened(String prefix, String key, String suffix) {
        return bytes(prefix + key + suffix) > MAX_KEY_BYTES;
    }

    private static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
