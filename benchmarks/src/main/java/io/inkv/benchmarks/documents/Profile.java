package io.inkv.benchmarks.documents;

import java.io.Serializable;

/**
 * The ten fields of the documents benchmark as a record, the value the JCache caches hold.
 *
 * @param name a short string
 * @param age an int
 * @param city a short string
 * @param id a long
 * @param score a double
 * @param active a flag
 * @param visits an int
 * @param rating a float
 * @param createdAt a long
 * @param email a short string
 */
public record Profile(String name, int age, String city, long id, double score, boolean active, int visits,
    float rating, long createdAt, String email) implements Serializable {
  private static final long serialVersionUID = 1L;

  static Profile of(long i) {
    return new Profile("user-" + i, (int) (18 + i % 60), CITIES[(int) (i % CITIES.length)], i, i * 0.25,
        (i & 1) == 0, (int) (i % 1000), (float) (i % 5) + 0.5f, 1_700_000_000_000L + i, "user-" + i + "@example.com");
  }

  private static final String[] CITIES = {"San Francisco", "Berlin", "Tokyo", "Lagos", "Lima", "Oslo"};
}
