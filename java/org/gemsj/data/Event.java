package org.gemsj.data;

/** One interaction (a line of events.jsonl); {@code query} is non-null exactly for search. */
public record Event(String user, String item, long ts, Task task, String query) {}
