package eventjobs.local.sources;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

import java.nio.ByteBuffer;

/**
 * HTTP/1.1 connections whose request header names reach the handler spelled as the client sent
 * them, as API Gateway passes them to a REST API's function ({@code headers} and
 * {@code multiValueHeaders} keep the client's case).
 *
 * <p>Jetty's parser looks each header up in a static cache of well-known fields and, on a hit,
 * takes the cache's spelling ({@code user-agent} becomes {@code User-Agent}). HttpCompliance
 * {@code CASE_SENSITIVE_FIELD_NAME} does not stop that in Jetty 12.1.12: a hit on the name alone
 * (a known header with a value the cache does not hold) keeps the cache's spelling. The lookup
 * runs only while the parser holds more bytes than the name's first one, so this parser hands it
 * the header section one byte at a time, and every name is read from the bytes themselves.
 * Headers are small (API Gateway refuses more than 10 KB), so that is a few thousand calls per
 * request. {@code Host} keeps Jetty's spelling: API Gateway sets that header itself.
 *
 * <p>Thread-safe like its superclass; each connection has its own parser.
 */
final class CaseKeepingHttpConnectionFactory extends HttpConnectionFactory {

    CaseKeepingHttpConnectionFactory(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        HttpConnection connection = new HttpConnection(getHttpConfiguration(), connector, endPoint) {
            @Override
            protected HttpParser newHttpParser(HttpCompliance compliance) {
                // the connection's own request handler, which the default parser is built with
                HttpParser.RequestHandler handler = (HttpParser.RequestHandler) super.newHttpParser(compliance).getHandler();
                HttpParser parser = new ByteByByteHeaders(handler, getHttpConfiguration().getRequestHeaderSize(), compliance);
                parser.setHeaderCacheSize(0); // nor a cache of the fields of earlier requests on the connection
                return parser;
            }
        };
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    /** Parses header fields from one byte at a time, so that no name is ever taken from a cache. */
    private static final class ByteByByteHeaders extends HttpParser {

        ByteByByteHeaders(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
            super(handler, maxHeaderBytes, compliance);
        }

        @Override
        protected boolean parseFields(ByteBuffer buffer) {
            int limit = buffer.limit();
            try {
                while (buffer.position() < limit && (getState() == State.HEADER || getState() == State.TRAILER)) {
                    int position = buffer.position();
                    buffer.limit(position + 1);
                    if (super.parseFields(buffer)) {
                        return true;
                    }
                    if (buffer.position() == position) {
                        break; // took nothing: let the caller decide, as with a whole buffer
                    }
                }
                return false;
            } finally {
                buffer.limit(limit);
            }
        }
    }
}
