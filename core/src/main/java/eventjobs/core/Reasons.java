package eventjobs.core;

/**
 * Keeps reasons readable: a reason built from input (a header of 10,000 columns, a huge value)
 * must not become a 69 KB line in a report, a log or a message attribute.
 */
public final class Reasons {

    private Reasons() {}

    /**
     * {@code reason} when it has at most {@code max} characters, else its start followed by
     * "… (N more characters cut)", the whole at most {@code max} characters long.
     *
     * @param max at least 40
     */
    public static String bounded(String reason, int max) {
        if (max < 40) {
            throw new IllegalArgumentException("max must be at least 40, was " + max);
        }
        if (reason == null || reason.length() <= max) {
            return reason;
        }
        // the note's length depends on the count it states; 30 characters fit any int count
        int keep = max - 30;
        if (Character.isHighSurrogate(reason.charAt(keep - 1))) {
            keep--;
        }
        return reason.substring(0, keep) + "… (" + (reason.length() - keep) + " more characters cut)";
    }
}
