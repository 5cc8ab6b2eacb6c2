package eventjobs.core.async;

import eventjobs.core.DeadLetter;

/** Where an asynchronously invoked job parks an event that can never succeed, for a person to see and replay. */
public interface FailureQueue {

    /**
     * Parks {@code event} with why it failed. Throws if it could not: the invocation then fails,
     * so Lambda retries it rather than losing it.
     */
    void park(String event, DeadLetter why);
}
