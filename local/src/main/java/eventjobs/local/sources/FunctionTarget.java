package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionPool;

/**
 * A function of the template as event sources reach it: synchronously through its pool of
 * execution environments, asynchronously (with retries and destinations) through its invoker.
 */
public record FunctionTarget(String logicalId, FunctionPool pool, AsyncInvoker async) {

    /** The function's physical name. */
    public String name() {
        return pool.config().name();
    }
}
