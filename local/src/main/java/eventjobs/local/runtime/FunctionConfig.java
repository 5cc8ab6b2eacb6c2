package eventjobs.local.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What an instance of a function needs to run.
 *
 * @param codeDirectory the unzipped deployment package (classes at the root, jars in lib/)
 * @param environment   the function's variables (Globals + Environment + endpoints); the AWS_LAMBDA_*
 *                      variables are added by the runtime
 * @param maxInstances  how many instances may run at once (reserved concurrency or a mapping's cap)
 * @param snapStart     whether the function has SnapStart on (its JVM then keeps the JVM's own JIT
 *                      settings; without it, Lambda's Java runtime stops at C1 unless JAVA_TOOL_OPTIONS says otherwise)
 */
public record FunctionConfig(String name, String handler, Path codeDirectory, Duration timeout, int memoryMb,
                             Map<String, String> environment, int maxInstances, boolean snapStart) {

    /** A function without SnapStart. */
    public FunctionConfig(String name, String handler, Path codeDirectory, Duration timeout, int memoryMb,
                          Map<String, String> environment, int maxInstances) {
        this(name, handler, codeDirectory, timeout, memoryMb, environment, maxInstances, false);
    }

    public FunctionConfig {
        environment = Map.copyOf(environment);
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1, was " + maxInstances);
        }
    }

    public String arn() {
        return "arn:aws:lambda:us-east-1:000000000000:function:" + name;
    }
}
