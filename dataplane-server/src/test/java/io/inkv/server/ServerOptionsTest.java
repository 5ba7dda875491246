package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.Durability;
import java.nio.file.Path;
import java.time.Duration;
import io.inkv.store.Units;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Flags are checked in one place, and each error names its flag. */
class ServerOptionsTest {
  private static String error(String... args) {
    return assertThrows(ServerOptions.UsageException.class, () -> ServerOptions.parse(args)).getMessage();
  }

  @Test
  void noFlagsGiveTheEmbeddedDefault() {
    ServerOptions o = ServerOptions.parse();
    assertEquals(8080, o.port);
    assertEquals("127.0.0.1", o.host);
    assertEquals(256, o.concurrency);
    assertEquals(Path.of("inkv-data"), o.dataDir);
    assertEquals(Durability.NONE, o.durability);
    assertTrue(!o.replicated() && !o.tls());
  }

  @Test
  void flagsTakeTheirValueAfterASpaceOrAnEqualsSign() {
    ServerOptions o = ServerOptions.parse("--port=9000", "--concurrency", "65536", "--durability", "every-write",
        "--image-interval", "30s", "--kafka-bootstrap", "k1:9092,k2:9092", "--kafka-property", "security.protocol=SSL",
        "--kafka-property", "acks=all", "--shutdown-timeout", "500ms");
    assertEquals(9000, o.port);
    assertEquals(65536, o.concurrency);
    assertEquals(Durability.EVERY_WRITE, o.durability);
    assertEquals(Duration.ofSeconds(30), o.imageInterval);
    assertEquals(Duration.ofMillis(500), o.shutdownTimeout);
    assertEquals("SSL", o.kafkaProperties.get("security.protocol"));
    assertEquals("all", o.kafkaProperties.get("acks"));
    assertTrue(o.replicated());
  }

  @Test
  void everyBadValueNamesItsFlag() {
    assertTrue(error("--port", "70000").startsWith("--port must be from 0 to 65535"));
    assertTrue(error("--port", "x").startsWith("--port must be a whole number"));
    assertTrue(error("--concurrency", "0").startsWith("--concurrency"));
    assertTrue(error("--concurrency", "65537").contains("65536"));
    assertTrue(error("--durability", "always").startsWith("--durability"));
    assertTrue(error("--image-interval", "soon").startsWith("--image-interval"));
    assertTrue(error("--max-body-bytes", "0").startsWith("--max-body-bytes"));
    assertTrue(error("--max-key-bytes", "70000").startsWith("--max-key-bytes"));
    assertTrue(error("--cache-store", "../etc").startsWith("--cache-store"));
    assertTrue(error("--auth-file", "/no/such/file").startsWith("--auth-file"));
    assertTrue(error("--tls-keystore", "/no/such/file").startsWith("--tls-keystore"));
    assertTrue(error("--tls-mode", "maybe").startsWith("--tls-mode"));
    assertTrue(error("--kafka-bootstrap", "nohost").startsWith("--kafka-bootstrap"));
    assertTrue(error("--kafka-property", "novalue", "--kafka-bootstrap", "h:1").startsWith("--kafka-property"));
    assertTrue(error("--kafka-property", "a=b").startsWith("--kafka-property needs --kafka-bootstrap"));
    assertTrue(error("--anonymous-reads").startsWith("--anonymous-reads needs --auth-file"));
    assertTrue(error("--port").startsWith("--port needs a value"));
    assertTrue(error("--bogus").startsWith("unknown flag '--bogus'"));
    assertTrue(error("stray").startsWith("unknown flag 'stray'"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1048576  | 1048576",
      "1MB      | 1048576",
      "512KB    | 524288",
      "16MB     | 16777216",
      "1MiB     | 1048576",
      "64kb     | 65536",
      "1_000    | 1000"})
  void byteLimitsTakeTheSizesOfEveryInkvSettingWhereOneKilobyteIs1024Bytes(String text, int bytes) {
    ServerOptions o = ServerOptions.parse("--max-body-bytes", text, "--max-field-bytes=" + text);
    assertEquals(bytes, o.maxBodyBytes);
    assertEquals(bytes, o.maxFieldBytes);
    assertEquals(1024, ServerOptions.parse("--max-key-bytes", "1KB").maxKeyBytes);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "500ms | PT0.5S",
      "30s   | PT30S",
      "10m   | PT10M",
      "2h    | PT2H",
      "1d    | PT24H",
      "PT10M | PT10M",
      "365d  | PT8760H"})
  void durationsTakeTheFormsOfEveryInkvSetting(String text, String iso) {
    ServerOptions o = ServerOptions.parse("--shutdown-timeout", text, "--image-interval=" + text);
    assertEquals(Duration.parse(iso), o.shutdownTimeout);
    assertEquals(Duration.parse(iso), o.imageInterval);
  }

  @Test
  void aSizeOrDurationInNoAcceptedFormIsRefusedNamingTheFlagAndTheForms() {
    assertEquals("--max-body-bytes: '1m' is ambiguous: write 1MB for a size (a lone m is not a size unit; m is minutes"
        + " in a duration). Sizes are " + Units.SIZE_FORMS, error("--max-body-bytes", "1m"));
    assertTrue(error("--max-field-bytes", "1.5MB").startsWith("--max-field-bytes: '1.5MB' is not a size; write a whole"
        + " number of a smaller unit (1536MB, not 1.5GB)"));
    assertEquals("--max-body-bytes must be from 1 byte to 32MB (33554432 bytes): '64MB'",
        error("--max-body-bytes", "64MB"));
    assertEquals("--max-key-bytes must be from 1 byte to 65535 (65535 bytes): '64KB'", error("--max-key-bytes", "64KB"));
    assertEquals("--shutdown-timeout: '30' has no unit: write 30s, 30ms or 30m, for example; durations are "
        + Units.DURATION_FORMS, error("--shutdown-timeout", "30"));
    assertTrue(error("--image-interval", "10MB").startsWith("--image-interval: '10MB' is not a duration; it reads as"
        + " a size"));
    assertEquals("--image-interval must be at most a year (365d): '366d'", error("--image-interval", "366d"));
    assertTrue(error("--shutdown-timeout", "0").startsWith("--shutdown-timeout must be positive"));
    assertEquals(Duration.ZERO, ServerOptions.parse("--image-interval", "0").imageInterval, "0 is never");
  }

  @Test
  void helpExplainsEveryFlag() {
    assertTrue(ServerOptions.parse("--help").help);
    for (String flag : new String[] {"--port", "--concurrency", "--data-dir", "--kafka-bootstrap", "--kafka-property",
        "--kafka-partitions", "--auth-file", "--tls-keystore", "--tls-mode", "--images-keep", "--max-body-bytes"}) {
      assertTrue(ServerOptions.USAGE.contains(flag), flag);
    }
  }

  @Test
  void storeNamesCannotLeaveTheDataDirectory() {
    for (String ok : new String[] {"users", "a", "a.b_c-d", "0", "x".repeat(63)}) {
      assertTrue(StoreNames.isValid(ok), ok);
    }
    for (String bad : new String[] {"", ".", "..", ".images", "a/b", "a\\b", "A", "-a", "a..b", "x".repeat(64), "a\u0000"}) {
      assertTrue(!StoreNames.isValid(bad), bad);
    }
  }
}
