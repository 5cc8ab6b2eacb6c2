package eventjobs.imports;

/**
 * What one import may be.
 *
 * @param maxBytes   larger files are rejected before any row is read
 * @param maxRows    rows after this many are not read
 * @param maxRowChars a row longer than this (a missing line break, a binary file) stops the import
 */
public record ImportLimits(long maxBytes, long maxRows, int maxRowChars) {

    public static ImportLimits defaults() {
        return new ImportLimits(1L << 30, 1_000_000, 64 * 1024);
    }
}
