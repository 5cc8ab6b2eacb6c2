package eventjobs.imports;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** A CSV import of a given size, made row by row as it is read: nothing of it is ever held whole. */
final class GeneratedCsv extends InputStream {

    private static final byte[] HEADER = "customer_id,currency,sku,quantity,unit_price\n".getBytes(StandardCharsets.US_ASCII);

    private final long size;
    private long produced;
    private long rows;
    private byte[] current = HEADER;
    private int position;

    GeneratedCsv(long size) {
        this.size = size;
    }

    /** Rows made so far (all of them once the stream is read to its end). */
    long rows() {
        return rows;
    }

    @Override
    public int read() {
        if (!fill()) {
            return -1;
        }
        produced++;
        return current[position++] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(length, current.length - position);
        System.arraycopy(current, position, buffer, offset, n);
        position += n;
        produced += n;
        return n;
    }

    private boolean fill() {
        if (position < current.length) {
            return true;
        }
        if (produced >= size) {
            return false;
        }
        rows++;
        current = String.format("customer-%031d,EUR,SKU-%026d,%d,12.50%n", rows, rows % 100_000, 1 + rows % 9)
                .getBytes(StandardCharsets.US_ASCII);
        position = 0;
        return true;
    }
}
