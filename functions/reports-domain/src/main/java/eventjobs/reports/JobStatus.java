package eventjobs.reports;

/** PENDING when asked for, RUNNING while the worker builds it, then DONE or FAILED. */
public enum JobStatus { PENDING, RUNNING, DONE, FAILED }
