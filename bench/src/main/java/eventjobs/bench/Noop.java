package eventjobs.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.InputStream;
import java.io.OutputStream;

/** Does nothing, so that an invocation measures only the runtime's own path. */
public class Noop implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws java.io.IOException {
        input.transferTo(OutputStream.nullOutputStream());
        output.write('1');
    }
}
