/**
 * The quality study ({@code gems study}): every method at the same budget over several seeds,
 * each run in its own JVM, then the comparison with seed noise, the gradient-conflict and
 * knowledge-retention analyses, cost, and study.json / study.md / PNG plots.
 */
package org.gemsj.study;
