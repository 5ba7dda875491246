package io.inkv.replication;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the values of a replicated byte store are: a name, recorded in the store's topic when the
 * topic is created (so that a replica whose values are of another format refuses to open), and a
 * check that every value applied from the topic must pass (a value that fails it is counted,
 * logged and dead-lettered like any other bad record, never stored).
 *
 * <p>A JCache cache gives one made from its codecs; a store replicated without one takes
 * {@link #bytes()}: any value, unchecked.
 */
public interface ValueFormat {

  /** Returns the format's name, as recorded in the topic; {@value #BYTES} for any bytes. */
  String name();

  /**
   * Checks that {@code value} is a value of this format.
   *
   * @throws IllegalArgumentException naming the problem if it is not
   */
  void check(byte[] value);

  /** The name of {@link #bytes()}. */
  String BYTES = "bytes";

  /** Returns the format of a store whose values are any bytes: nothing is checked. */
  static ValueFormat bytes() {
    return of(BYTES, v -> {});
  }

  /**
   * Returns a format named {@code name} whose check is {@code check}.
   *
   * @param check throws IllegalArgumentException (or any RuntimeException) if a value is not of the format
   */
  static ValueFormat of(String name, Consumer<byte[]> check) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(check, "check");
    if (name.isEmpty() || name.length() > 1000) {
      throw new IllegalArgumentException("a value format's name must have 1 to 1000 characters: '" + name + "'");
    }
    return new ValueFormat() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void check(byte[] value) {
        check.accept(value);
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  /** Returns whether replicas of formats {@code a} and {@code b} may share a topic: equal, or either is {@value #BYTES}. */
  static boolean compatible(String a, String b) {
    return a.equals(b) || BYTES.equals(a) || BYTES.equals(b);
  }
}
