package eventjobs.core;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;

/** A line to the invocation's log (JSON with the function's log format), when there is a context. */
public final class Log {

    private Log() {}

    public static void line(Context context, LogLevel level, String line) {
        if (context != null && context.getLogger() != null) {
            context.getLogger().log(line, level);
        }
    }
}
