package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.Durability;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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
