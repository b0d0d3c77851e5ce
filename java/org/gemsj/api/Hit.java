package org.gemsj.api;

/**
 * One result of {@link GemsModel}: a catalogue item and the model's score for it, the
 * log-probability of the item's identifier (&lt;= 0; higher is better; comparable within one call).
 */
public record Hit(String id, String title, double score) {}
