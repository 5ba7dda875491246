package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that cannot start because another process holds its data directory, or one of its
 * stores, says so in one line and exits with status 1: the real main in a child JVM.
 */
class StartupFailureTest {
  private record Run(int exit, String output) {}

  /** Runs the server's main in a new JVM on {@code data}, stdout and stderr together. */
  private static Run runMain(Path data, Path dir) throws Exception {
    Path out = dir.resolve("child-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--port", "0", "--data-dir", data.toString(), "--image-interval", "0")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("the second server did not exit: " + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  private static void assertOneLineWithoutAStack(Run run, String start) {
    assertEquals(1, run.exit(), run.output());
    List<String> lines = run.output().lines().toList();
    assertEquals(1, lines.size(), "exactly one line:\n" + run.output());
    assertTrue(lines.get(0).startsWith(start), lines.get(0));
    assertFalse(run.output().contains("at io.inkv") || run.output().contains("Exception in thread")
        || run.output().contains("\tat "), run.output());
  }

  @Test
  void aSecondServerOnTheDataDirectoryOfARunningOneSaysSoInOneLineAndExits(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data").toAbsolutePath().normalize();
    try (TestServer first = new TestServer(data)) {
      assertEquals(200, first.post("/store/k", "v").statusCode()); // the cache store exists and is open too
      Run second = runMain(data, dir);
      assertOneLineWithoutAStack(second, "inkv-server: cannot start: --data-dir " + data
          + " is in use by another inkv process (it holds the lock on " + data.resolve(DataDirectoryLock.FILE) + ")");
      // the first server is unharmed
      assertEquals("v", first.get("/get/k").body());
    }
    // in one process, the second server is refused the same way, naming this process
    try (TestServer first = new TestServer(data)) {
      ServerException e = assertThrows(DataDirectoryLock.InUseException.class, () -> new TestServer(data));
      assertTrue(e.getMessage().contains("in use by another inkv server in this process"), e.getMessage());
      assertEquals("v", first.get("/get/k").body());
    }
  }

  @Test
  void aStoreOpenInAnotherProcessStopsTheStartInOneLine(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data").toAbsolutePath().normalize();
    try (Store held = Store.open(StoreOptions.builder(data.resolve("cache")).build())) {
      held.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
      Run run = runMain(data, dir);
      assertOneLineWithoutAStack(run, "inkv-server: cannot start: the store in " + data.resolve("cache")
          + " is already open by another process; stop the process that has it open");
    }
    // once it is closed, the same directory starts (the failed start released its lock)
    try (TestServer s = new TestServer(data)) {
      assertEquals("v", s.get("/get/k").body());
    }
  }
}
