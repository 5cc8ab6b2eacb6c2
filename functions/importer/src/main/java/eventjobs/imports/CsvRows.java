package eventjobs.imports;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvReadFeature;

import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rows of a CSV file, read as a stream: UTF-8 with or without a byte order mark, CRLF or LF,
 * quoted fields with commas, quotes and line breaks. Invalid UTF-8, a row longer than the limit
 * and broken quoting end the rows with {@link Unreadable}, naming why. Not thread-safe.
 *
 * <p>Each row knows where the next one starts in the file ({@link #nextRowOffset()}), so that a
 * later read can start there ({@link #from}) and see the same rows: a line break inside a quoted
 * field is no row boundary, and only the CSV parser knows which line breaks are quoted. For that
 * the parser is given the bytes as ISO-8859-1, one character per byte, so its character offsets are
 * byte offsets; CSV's own characters (comma, quote, CR, LF) are ASCII, and no byte of a multi-byte
 * UTF-8 sequence is, so the rows come out the same, and each field is then decoded as UTF-8.
 */
final class CsvRows implements AutoCloseable {

    /** The file cannot be read on from here. */
    static final class Unreadable extends RuntimeException {
        Unreadable(String reason) {
            super(reason);
        }
    }

    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvReadFeature.WRAP_AS_ARRAY).build();

    private final MappingIterator<List<String>> rows;
    private final Reader reader;
    /** Where in the file the parser's first character is. */
    private final long start;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();

    private CsvRows(InputStream content, long start, int maxRowChars) {
        this.start = start;
        this.reader = new BoundedRows(new InputStreamReader(content, StandardCharsets.ISO_8859_1), maxRowChars);
        try {
            this.rows = CSV.readerForListOf(String.class).readValues(reader);
        } catch (JacksonException e) {
            throw new Unreadable(reason(e));
        }
    }

    /** The rows of a whole file, its header first; a UTF-8 byte order mark is skipped. */
    static CsvRows ofFile(InputStream content, int maxRowChars) throws IOException {
        PushbackInputStream in = new PushbackInputStream(content, 3);
        byte[] first = in.readNBytes(3);
        boolean bom = first.length == 3 && (first[0] & 0xff) == 0xEF && (first[1] & 0xff) == 0xBB && (first[2] & 0xff) == 0xBF;
        if (!bom && first.length > 0) {
            in.unread(first);
        }
        return new CsvRows(in, bom ? 3 : 0, maxRowChars);
    }

    /**
     * The rows of a file from {@code offset} on, where {@code content} starts: an offset that
     * {@link #nextRowOffset()} gave for the same file.
     */
    static CsvRows from(InputStream content, long offset, int maxRowChars) {
        return new CsvRows(content, offset, maxRowChars);
    }

    /** The next row's fields, or empty at the end of the file. */
    Optional<List<String>> next() {
        try {
            return rows.hasNextValue() ? Optional.of(decoded(rows.nextValue())) : Optional.empty();
        } catch (JacksonException e) {
            throw new Unreadable(reason(e));
        }
    }

    /** Whether another row follows; reads none of it. */
    boolean hasNext() {
        try {
            return rows.hasNextValue();
        } catch (JacksonException e) {
            throw new Unreadable(reason(e));
        }
    }

    /**
     * The byte offset in the file of the row after the last one {@link #next()} gave (or of the
     * end of the file). Jackson reports the location of the last character it processed, which
     * after a row is the row's line break (the LF of a CRLF): the next row starts one further.
     */
    long nextRowOffset() {
        return start + rows.parser().currentLocation().getCharOffset() + 1;
    }

    private List<String> decoded(List<String> fields) {
        List<String> decoded = new ArrayList<>(fields.size());
        for (String field : fields) {
            decoded.add(ascii(field) ? field : utf8(field));
        }
        return decoded;
    }

    private static boolean ascii(String field) {
        for (int i = 0; i < field.length(); i++) {
            if (field.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private String utf8(String bytesAsLatin1) {
        try {
            return utf8.decode(ByteBuffer.wrap(bytesAsLatin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            throw new Unreadable("the file is not valid UTF-8");
        }
    }

    private static String reason(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof Unreadable unreadable) {
                return unreadable.getMessage();
            }
        }
        String message = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        return "the file is not valid CSV: " + message;
    }

    @Override
    public void close() throws IOException {
        rows.close();
        reader.close();
    }

    /**
     * Stops a row that goes on past the limit, so that a file without line breaks cannot fill
     * memory. Counts characters, not bytes: the bytes that start a UTF-8 character.
     */
    private static final class BoundedRows extends FilterReader {
        private final int maxRowChars;
        private int sinceBreak;

        BoundedRows(Reader in, int maxRowChars) {
            super(in);
            this.maxRowChars = maxRowChars;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            count(c);
            return c;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            for (int i = 0; i < n; i++) {
                count(buffer[offset + i]);
            }
            return n;
        }

        private void count(int c) {
            if (c == '\n') {
                sinceBreak = 0;
            } else if (c >= 0 && (c & 0xC0) != 0x80 && ++sinceBreak > maxRowChars) {
                throw new Unreadable("a row is longer than " + maxRowChars + " characters");
            }
        }
    }
}
