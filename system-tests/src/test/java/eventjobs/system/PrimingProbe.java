package eventjobs.system;

import com.amazonaws.services.lambda.crac.Core;
import com.amazonaws.services.lambda.runtime.api.client.runtimeapi.JniHelper;

import java.lang.ref.Reference;

/**
 * Started by {@link SnapStartPrimingTest} in a JVM of its own, in a function's unzipped package:
 * builds the handler the way Lambda does (its public no-argument constructor), then runs the
 * SnapStart hooks the way the Runtime Interface Client does for a {@code snap-start} init (its
 * CRaC context, which {@code org.crac} reaches through {@code -Dorg.crac.Core.Compat}).
 */
public final class PrimingProbe {

    public static void main(String[] args) throws Exception {
        // the runtime's hooks call into its JNI library (clearing the DNS cache), loaded at its start
        JniHelper.load();
        Object handler = Class.forName(args[0]).getConstructor().newInstance();
        Core.getGlobalContext().beforeCheckpoint(null);
        Core.getGlobalContext().afterRestore(null);
        System.out.println("probe: restored " + handler.getClass().getName());
        // the context holds resources weakly: the handler (and its priming) must outlive the hooks
        Reference.reachabilityFence(handler);
    }
}
