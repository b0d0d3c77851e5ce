package org.gemsj.model;

/** An item id with the model's score for it (log-probability of its identifier). */
public record ScoredItem(String id, double score) {}
