package eventjobs.core;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;

/** A line to the invocation's log, in the function's log format (text or JSON). */
public final class Log {

    private Log() {}

    public static void line(Context context, LogLevel level, String line) {
        context.getLogger().log(line, level);
    }
}
