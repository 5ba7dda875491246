package io.inkv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one syntax of sizes and durations: every accepted form, its value, and every refusal's message. */
class UnitsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1048576      | 1048576",
      "0            | 0",
      "1_048_576    | 1048576",
      "512B         | 512",
      "512KB        | 524288",
      "10MB         | 10485760",
      "1GB          | 1073741824",
      "1TB          | 1099511627776",
      "10MiB        | 10485760",
      "64KiB        | 65536",
      "1GiB         | 1073741824",
      "10mb         | 10485760",
      "10 MB        | 10485760",
      "'  8MB  '    | 8388608",
      "8388607TB    | 9223370937343148032"})
  void aSizeIsBytesOrAWholeNumberWithASpringBootUnitWhereOneKilobyteIs1024Bytes(String text, long bytes) {
    assertEquals(bytes, Units.parseBytes("maxBytes", text));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "500ms    | PT0.5S",
      "30s      | PT30S",
      "10m      | PT10M",
      "2h       | PT2H",
      "1d       | PT24H",
      "10M      | PT10M",
      "30 s     | PT30S",
      "1500us   | PT0.0015S",
      "7ns      | PT0.000000007S",
      "PT10M    | PT10M",
      "pt10m    | PT10M",
      "PT0.3S   | PT0.3S",
      "P1D      | PT24H",
      "P1DT2H   | PT26H",
      "0        | PT0S",
      "0s       | PT0S",
      "PT0S     | PT0S"})
  void aDurationIsAWholeNumberWithASpringBootUnitOrIso8601(String text, String iso) {
    assertEquals(Duration.parse(iso), Units.parseDuration("timeToLive", text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8m", "8M", "8k", "1g", "1T"})
  void aLoneLetterAsASizeUnitIsRefusedAsAmbiguousNamingTheUnitToWrite(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> Units.parseBytes("inkv.x.maxBytes", text));
    String written = text.substring(0, text.length() - 1) + text.substring(text.length() - 1).toUpperCase() + "B";
    assertTrue(e.getMessage().startsWith("inkv.x.maxBytes: '" + text + "' is ambiguous: write " + written),
        e.getMessage());
    assertTrue(e.getMessage().contains(Units.SIZE_FORMS), e.getMessage());
    assertEquals("inkv.x.maxBytes", e.setting());
    assertEquals(text, e.value());
    assertEquals(e.getMessage(), "inkv.x.maxBytes: " + e.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "many", "10 megabytes", "10s", "1.5GB", "0x10", "+1", "1e3", "MB", "10MBB", "1_",
      "\u0661\u0662"})
  void aSizeInNoAcceptedFormIsRefusedNamingTheSettingAndTheForms(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> Units.parseBytes("--max-body-bytes", text));
    assertTrue(e.getMessage().startsWith("--max-body-bytes: "), e.getMessage());
    assertTrue(e.getMessage().contains(Units.SIZE_FORMS), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-1B", "-10MB"})
  void aNegativeSizeIsRefusedAsNegative(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> Units.parseBytes("maxBytes", text));
    assertTrue(e.reason().contains("is negative"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"8388608TB", "9223372036854775808", "99999999999999999999B"})
  void aSizePastTheLargestLongIsRefusedAsTooLarge(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> Units.parseBytes("maxBytes", text));
    assertTrue(e.reason().contains("too large"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"30", "7", "500"})
  void aBareNumberAsADurationIsRefusedAskingForAUnit(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class,
        () -> Units.parseDuration("--shutdown-timeout", text));
    assertEquals("--shutdown-timeout: '" + text + "' has no unit: write " + text + "s, " + text + "ms or " + text
        + "m, for example; durations are " + Units.DURATION_FORMS, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "soon", "1.5h", "10MB", "1y", "1w", "P1M", "P", "PT", "Pxyz", "+5s", "5 s s",
      "9223372036854775807d", "9223372036854775808s", "9223372036854775807us"})
  void aDurationInNoAcceptedFormIsRefusedNamingTheSettingAndTheForms(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> Units.parseDuration("expiry", text));
    assertTrue(e.getMessage().startsWith("expiry: "), e.getMessage());
    assertTrue(e.getMessage().contains(Units.DURATION_FORMS) || e.reason().contains("too large"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1s", "-PT1S", "PT-1S"})
  void aNegativeDurationIsRefusedAsNegative(String text) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> Units.parseDuration("expiry", text));
    assertTrue(e.reason().contains("negative") || e.reason().contains("is not an ISO-8601"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"1.5GB | 1536MB", "1.5h | 90m"})
  void aFractionIsRefusedWithTheWholeNumberToWriteInstead(String text, String instead) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> parse(text.endsWith("h"), text));
    assertTrue(e.reason().contains(instead), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"10s | size | reads as a duration", "10MB | duration | reads as a size"})
  void aSizeWrittenAsADurationAndTheOtherWayRoundSaySo(String text, String expected, String says) {
    Units.FormatException e = assertThrows(Units.FormatException.class, () -> parse(expected.equals("duration"), text));
    assertTrue(e.reason().contains("is not a " + expected + "; it " + says), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"10m | true", "PT10M | true", "pt0.5s | true", "P1D | true", "0 | true",
      "-1s | true", "1.5h | true", "com.example.Policy | false", "Policy | false", "eternal | false", "'' | false",
      "P | false"})
  void whetherAValueIsWrittenAsADurationOrAsAName(String text, boolean duration) {
    assertEquals(duration, Units.isWrittenAsDuration(text));
  }

  private static Object parse(boolean duration, String text) {
    return duration ? Units.parseDuration("s", text) : Long.valueOf(Units.parseBytes("s", text));
  }
}
