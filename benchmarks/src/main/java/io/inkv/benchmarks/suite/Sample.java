package io.inkv.benchmarks.suite;

import java.io.Serializable;

/**
 * The small record the suite caches: four fixed-width fields and a name padded so that the value
 * has about the size its {@link ValueKind} names (inkv's record layout of a {@code record-100}
 * value is 100 bytes; Java serialization, which the by-value peers use, makes it about 170).
 *
 * @param id the entry number
 * @param age a small int
 * @param score a double
 * @param active a flag
 * @param name the padding, ASCII
 */
public record Sample(long id, int age, double score, boolean active, String name) implements Serializable {
  private static final long serialVersionUID = 1L;
}
