package io.inkv.store;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/*
 * The one syntax of sizes and durations in inkv's settings. inkv.properties, Spring's inkv.*
 * properties, Hibernate's hibernate.cache.inkv.* settings and the server's flags all read their
 * sizes and durations here, so a value that one of them accepts, every one accepts, with the same
 * meaning (docs/settings.md).
 *
 * Which forms: those Spring Boot users already write, because Spring's application.properties is
 * where most of them learnt to write a size or a duration.
 *
 *   size       1048576 (bytes), 512B, 512KB, 10MB, 1GB, 1TB, and 10MiB, 1GiB...
 *   duration   500ms, 30s, 10m, 2h, 1d (and ns, us), ISO-8601 PT10M, P1D, PT0.5S, and 0
 *
 * What KB means: 1024 bytes. Spring Boot's DataSize reads KB, MB, GB and TB as powers of 1024
 * (1MB = 1,048,576 bytes), and a user who writes maxBytes=10MB in inkv.properties must get what the
 * same text means in application.properties. KiB, MiB, GiB and TiB are accepted as the same values
 * for those who write the IEC names. Units are read in any case: Spring Boot reads duration units
 * so, and though it wants sizes in upper case, "10mb" can mean nothing but ten megabytes in a
 * setting about bytes.
 *
 * What is refused, with the setting's name and the accepted forms in the message:
 *   - a bare number as a duration (other than 0): Spring Boot reads "30" as 30 ms, inkv's server
 *     used to read it as 30 s; neither guess is safe, so the unit must be written;
 *   - k, m, g or t alone as a size unit: "8m" reads as eight minutes in a duration and as 8 MiB in
 *     older size syntaxes; a size spells its unit with the B;
 *   - fractions outside ISO-8601 (1.5GB, 1.5h: Spring Boot refuses them too), signs, negative
 *     values, other units, and values past Long.MAX_VALUE bytes or what java.time.Duration holds.
 * Underscores between digits (1_048_576) and blanks between the number and the unit (10 MB) are
 * allowed: both are common in hand-written files and neither is ambiguous.
 *
 * Bounds that depend on the setting (a segment size's range, a positive time to live, the
 * server's year-long cap on its intervals) are the caller's: the parser only turns text into a
 * value of zero or more.
 */

/**
 * Parses the sizes and durations of inkv's settings: one syntax for {@code inkv.properties},
 * Spring's {@code inkv.*} properties, Hibernate's {@code hibernate.cache.inkv.*} settings and the
 * server's flags.
 *
 * <p>A size is a whole number of bytes ({@code 1048576}) or a whole number and a unit:
 * {@code B}, {@code KB}, {@code MB}, {@code GB} or {@code TB}, where {@code 1KB} is 1024 bytes
 * and {@code 1MB} is 1024 × 1024 bytes, as in Spring Boot's {@code DataSize}; {@code KiB},
 * {@code MiB}, {@code GiB} and {@code TiB} mean the same. A duration is a whole number and a unit,
 * {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}, as in Spring
 * Boot ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}), an ISO-8601 duration
 * ({@code PT10M}), or {@code 0}. Units are read in any case.
 */
public final class Units {
  /** The sizes a setting accepts, as error messages list them. */
  public static final String SIZE_FORMS = "a number of bytes (1048576) or a whole number with B, KB, MB, GB or TB"
      + " (512KB, 10MB, 1GB; 1KB = 1024 bytes, as in Spring Boot; KiB, MiB, GiB and TiB mean the same)";
  /** The durations a setting accepts, as error messages list them. */
  public static final String DURATION_FORMS = "a whole number with ms, s, m, h or d (500ms, 30s, 10m, 2h, 1d),"
      + " an ISO-8601 duration (PT10M), or 0";

  private static final Pattern NUMBER_AND_UNIT = Pattern.compile("(\\d+(?:_\\d+)*)\\s*([A-Za-z]*)");
  private static final Pattern FRACTION = Pattern.compile("\\d*[.,]\\d+\\s*[A-Za-z]*");

  private Units() {}

  /**
   * Thrown for a size or duration written in no accepted form. Its message names the setting, the
   * value and the accepted forms; {@link #reason()} is the same without the setting, for callers
   * that name the setting their own way.
   */
  public static final class FormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String setting;
    private final String value;
    private final String reason;

    FormatException(String setting, String value, String reason) {
      super(setting + ": " + reason);
      this.setting = setting;
      this.value = value;
      this.reason = reason;
    }

    /** Returns the name of the setting, as the caller gave it. */
    public String setting() {
      return setting;
    }

    /** Returns the refused value. */
    public String value() {
      return value;
    }

    /** Returns what is wrong with the value and what to write instead, without the setting's name. */
    public String reason() {
      return reason;
    }
  }

  /**
   * Parses a size in bytes.
   *
   * @param setting the setting's name as the user wrote it, for the message of a refusal
   * @param text the value, such as {@code 10MB}, {@code 512KB} or {@code 1048576}
   * @return the number of bytes, zero or more
   * @throws FormatException if {@code text} is not a size in an accepted form, naming {@code setting}
   */
  public static long parseBytes(String setting, String text) {
    String s = text == null ? "" : text.strip();
    if (s.isEmpty()) {
      throw new FormatException(setting, s, "a size is required: " + SIZE_FORMS);
    }
    Matcher m = NUMBER_AND_UNIT.matcher(s);
    if (!m.matches()) {
      throw new FormatException(setting, s, refusal(s, "size", SIZE_FORMS,
          FRACTION.matcher(s).matches() ? "; write a whole number of a smaller unit (1536MB, not 1.5GB)" : ""));
    }
    String unit = m.group(2).toUpperCase(Locale.ROOT);
    int shift = switch (unit) {
      case "", "B" -> 0;
      case "KB", "KIB" -> 10;
      case "MB", "MIB" -> 20;
      case "GB", "GIB" -> 30;
      case "TB", "TIB" -> 40;
      case "K", "M", "G", "T" -> throw new FormatException(setting, s, "'" + s + "' is ambiguous: write " + m.group(1)
          + unit + "B for a size (a lone " + m.group(2) + " is not a size unit; m is minutes in a duration). Sizes are "
          + SIZE_FORMS);
      default -> throw new FormatException(setting, s, refusal(s, "size", SIZE_FORMS, isDurationUnit(unit)
          ? "; it reads as a duration" : ""));
    };
    long n = number(setting, s, m.group(1), "size", SIZE_FORMS);
    if (n > Long.MAX_VALUE >> shift) {
      throw new FormatException(setting, s, "'" + s + "' is too large: a size is at most " + Long.MAX_VALUE + " bytes");
    }
    return n << shift;
  }

  /**
   * Parses a duration.
   *
   * @param setting the setting's name as the user wrote it, for the message of a refusal
   * @param text the value, such as {@code 10m}, {@code 30s}, {@code 500ms}, {@code PT10M} or {@code 0}
   * @return the duration, zero or more
   * @throws FormatException if {@code text} is not a duration in an accepted form, naming {@code setting}
   */
  public static Duration parseDuration(String setting, String text) {
    String s = text == null ? "" : text.strip();
    if (s.isEmpty()) {
      throw new FormatException(setting, s, "a duration is required: " + DURATION_FORMS);
    }
    if (s.charAt(0) == 'P' || s.charAt(0) == 'p') {
      Duration d;
      try {
        d = Duration.parse(s);
      } catch (DateTimeParseException | ArithmeticException e) {
        throw new FormatException(setting, s, "'" + s + "' is not an ISO-8601 duration (PT10M, PT0.5S, P1D, P1DT2H);"
            + " durations are " + DURATION_FORMS);
      }
      if (d.isNegative()) {
        throw new FormatException(setting, s, "'" + s + "' is negative: a duration is zero or more");
      }
      return d;
    }
    Matcher m = NUMBER_AND_UNIT.matcher(s);
    if (!m.matches()) {
      throw new FormatException(setting, s, refusal(s, "duration", DURATION_FORMS,
          FRACTION.matcher(s).matches() ? "; write a whole number of a smaller unit (90m, not 1.5h)"
              : ""));
    }
    String unit = m.group(2).toLowerCase(Locale.ROOT);
    long n = number(setting, s, m.group(1), "duration", DURATION_FORMS);
    if (unit.isEmpty()) {
      if (n == 0) {
        return Duration.ZERO;
      }
      throw new FormatException(setting, s, "'" + s + "' has no unit: write " + n + "s, " + n + "ms or " + n
          + "m, for example; durations are " + DURATION_FORMS);
    }
    try {
      return switch (unit) {
        case "ns" -> Duration.ofNanos(n);
        case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1_000L));
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> throw new FormatException(setting, s, refusal(s, "duration", DURATION_FORMS,
            isSizeUnit(unit) ? "; it reads as a size" : ""));
      };
    } catch (ArithmeticException e) {
      throw new FormatException(setting, s, "'" + s + "' is too large a duration");
    }
  }

  /**
   * Returns whether {@code text} is written as a duration rather than as a name: it starts with a
   * digit or a minus sign, or with {@code P} and a digit or {@code T} (ISO-8601). For settings that
   * take a duration or a class name, such as an expiry; {@link #parseDuration} then says whether
   * the duration is well written.
   */
  public static boolean isWrittenAsDuration(String text) {
    String s = text == null ? "" : text.strip();
    if (s.isEmpty()) {
      return false;
    }
    char first = s.charAt(0);
    if (first >= '0' && first <= '9' || first == '-') {
      return true;
    }
    if ((first == 'P' || first == 'p') && s.length() > 1) {
      char second = s.charAt(1);
      return second >= '0' && second <= '9' || second == 'T' || second == 't';
    }
    return false;
  }

  private static long number(String setting, String s, String digits, String what, String forms) {
    try {
      return Long.parseLong(digits.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new FormatException(setting, s, "'" + s + "' is too large a " + what + "; " + what + "s are " + forms);
    }
  }

  private static String refusal(String s, String what, String forms, String hint) {
    String start = s.startsWith("-") ? "'" + s + "' is negative: a " + what + " is zero or more"
        : "'" + s + "' is not a " + what + hint;
    return start + "; " + what + "s are " + forms;
  }

  private static boolean isDurationUnit(String upper) {
    return switch (upper) {
      case "NS", "US", "MS", "S", "H", "D" -> true;
      default -> false;
    };
  }

  private static boolean isSizeUnit(String lower) {
    return switch (lower) {
      case "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib" -> true;
      default -> false;
    };
  }
}
