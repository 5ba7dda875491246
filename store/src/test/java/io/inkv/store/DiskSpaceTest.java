package io.inkv.store;

import static io.inkv.store.StoreTesting.assertMatches;
import static io.inkv.store.StoreTesting.key;
import static io.inkv.store.StoreTesting.segmentFiles;
import static io.inkv.store.StoreTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inkv.store.memory.FileFaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk and a read-only directory: a write that needs space the file system refuses fails
 * with a {@link Store.StorageException} naming the directory and the cause, having changed
 * nothing; reads go on; once space returns, writes succeed and a reopen finds every acknowledged
 * write. The failures come from the seam in the one class that creates files
 * ({@link FileFaults}) and, where the machine allows mounting, from a real small tmpfs filled for
 * real.
 */
@ExtendWith(StoreResourceCheck.class)
class DiskSpaceTest {
  @TempDir Path dir;

  private final Map<ByteBuffer, byte[]> model = new HashMap<>();
  private final List<Store> open = new ArrayList<>();
  private Path mounted;

  @AfterEach
  void cleanUp() throws Exception {
    FileFaults.clear();
    for (Store s : open) {
      try {
        s.close();
      } catch (Store.StorageException e) {
        // a test that fills the disk may leave close unable to write its image; it still released everything
      }
    }
    if (mounted != null) {
      run("umount", mounted.toString());
    }
  }

  private Store open(StoreOptions.Builder b) {
    Store s = b.open();
    open.add(s);
    return s;
  }

  private StoreOptions.Builder options(Path directory) {
    return StoreOptions.builder(directory).segmentSize(StoreOptions.MIN_SEGMENT_SIZE).backgroundMaintenance(false);
  }

  private void put(Store s, int k, byte[] v) {
    s.put(key(k), v);
    model.put(ByteBuffer.wrap(key(k)), v);
  }

  private static void assertNames(Exception e, Object... parts) {
    for (Object part : parts) {
      assertTrue(e.getMessage().contains(part.toString()), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
  }

  private static Segment active(Store s) {
    List<Segment> all = ((LogStore) s).files.segmentsForTest();
    return all.get(all.size() - 1);
  }

  /** Writes until the active segment has fewer than {@code free} bytes left, without rolling. */
  private void fillActiveSegment(Store s, int firstKey, int free) {
    int k = firstKey;
    while (active(s).capacity - active(s).writePosition > free) {
      int room = active(s).capacity - active(s).writePosition - 64;
      put(s, k++, value(k, Math.max(1, Math.min(500, room - 80))));
    }
  }

  // ------------------------------------------------------------------ a full disk, through the seam

  @Test
  void aFullDiskAtASegmentRollFailsWritesClearlyKeepsReadsAndLosesNothingOnceSpaceReturns() {
    Path d = dir.resolve("store");
    Store s = open(options(d));
    for (int i = 0; i < 100; i++) {
      put(s, i, value(i, 300));
    }
    fillActiveSegment(s, 100, 600);
    int files = segmentFiles(d).size();

    FileFaults.failAll(FileFaults.NO_SPACE);
    Store.StorageException put = assertThrows(Store.StorageException.class, () -> s.put(key(5), value(-5, 4000)));
    assertNames(put, d, "No space left on device", ".seg");
    // a remove whose tombstone needs the roll fails the same way and leaves the key in place
    Store.StorageException remove = assertThrows(Store.StorageException.class, () -> {
      for (int i = 0; i < 100; i++) {
        s.remove(key(i));
        model.remove(ByteBuffer.wrap(key(i)));
      }
    });
    assertNames(remove, d, "No space left on device");
    assertEquals(files, segmentFiles(d).size(), "a segment file that could not be allocated is deleted");
    assertMatches(model, s);

    FileFaults.clear();
    put(s, 5, value(-5, 4000));
    for (int i = 100; i < 400; i++) {
      put(s, i % 150, value(i, 300));
    }
    assertMatches(model, s);
    s.close();
    assertMatches(model, open(options(d)));
  }

  @Test
  void aFullDiskAtTheIndexImageFailsFlushAndCloseClearlyAndTheReopenFindsEveryWrite() throws IOException {
    Path d = dir.resolve("store");
    Store s = open(options(d));
    for (int i = 0; i < 300; i++) {
      put(s, i, value(i, 200));
    }
    s.flush();
    for (int i = 0; i < 300; i += 3) {
      put(s, i, value(-i, 150));
    }

    FileFaults.failAll(FileFaults.NO_SPACE);
    Store.StorageException flush = assertThrows(Store.StorageException.class, s::flush);
    assertNames(flush, d.resolve("index.img.tmp"), "No space left on device", "previous one stays");
    assertFalse(Files.exists(d.resolve("index.img.tmp")), "a partial image is deleted, giving its space back");
    assertTrue(Files.exists(d.resolve("index.img")), "the previous image stays");
    assertMatches(model, s);
    put(s, 1, value(1, 99)); // fits in the active segment: needs no new space
    Store.StorageException close = assertThrows(Store.StorageException.class, s::close);
    assertNames(close, "index.img.tmp", "No space left on device");
    assertTrue(s.isClosed());

    FileFaults.clear();
    Store reopened = open(options(d));
    assertMatches(model, reopened);
    reopened.flush();
  }

  @Test
  void aFullDiskDuringCompactionFailsItClearlyAndARetryAndAFullReplayKeepEveryEntry() throws IOException {
    Path d = dir.resolve("store");
    Store s = open(options(d).compactionThreshold(0.05));
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 2000; i++) {
      put(s, random.nextInt(400), value(i, 100 + random.nextInt(400)));
    }
    fillActiveSegment(s, 400, 8000);
    long compactionsBefore = s.stats().compactions();

    FileFaults.failAll(FileFaults.NO_SPACE);
    Store.StorageException compact = assertThrows(Store.StorageException.class, s::compact);
    assertNames(compact, d, "No space left on device");
    assertMatches(model, s);

    FileFaults.clear();
    // Retry, then churn and compact more, so copies left by the failed pass move again.
    s.compact();
    for (int round = 0; round < 6; round++) {
      for (int i = 0; i < 300; i++) {
        // other keys: the first 400 are from now on only moved by compaction
        put(s, 1000 + random.nextInt(200), value(round * 1000 + i, 100 + random.nextInt(400)));
      }
      s.compact();
    }
    assertTrue(s.stats().compactions() > compactionsBefore);
    assertMatches(model, s);
    s.close();
    assertMatches(model, open(options(d)));
    open.get(open.size() - 1).close();

    // Without the image, a full replay must reach the same contents: no tombstone carried by a
    // retried compaction may hide a record that compaction had already copied.
    Files.delete(d.resolve("index.img"));
    assertMatches(model, open(options(d)));
  }

  // ------------------------------------------------------------------ read-only

  @Test
  void aStoreOpenedReadOnlyReadsEverythingRefusesEveryWriteAndChangesNoFile() throws IOException {
    Path d = dir.resolve("store");
    Store w = open(options(d));
    for (int i = 0; i < 500; i++) {
      put(w, i % 200, value(i, 250));
    }
    w.remove(key(3));
    model.remove(ByteBuffer.wrap(key(3)));
    w.close();
    Map<String, byte[]> before = snapshot(d);

    Store r = open(options(d).readOnly(true));
    assertMatches(model, r);
    List<Runnable> writes = List.of(
        () -> r.put(key(1), value(1, 10)),
        () -> r.put(key(1), value(1, 10), System.currentTimeMillis() + 60_000),
        () -> r.remove(key(1)),
        () -> r.setExpiry(key(1), Store.NEVER),
        () -> r.update(key(1), (current, writer) -> null),
        r::clear,
        r::compact,
        r::flush);
    for (Runnable write : writes) {
      Store.ReadOnlyException e = assertThrows(Store.ReadOnlyException.class, write::run);
      assertNames(e, d, "read-only");
    }
    assertThrows(Store.AlreadyOpenException.class, () -> open(options(d)), "a writer cannot open beside a reader");
    assertMatches(model, r);
    r.close();
    assertMapsEqual(before, snapshot(d));
  }

  @Test
  void aStoreOnAReadOnlyFileSystemRefusesAWritableOpenClearlyAndOpensReadOnly() throws Exception {
    Path d = dir.resolve("store");
    Store w = open(options(d));
    for (int i = 0; i < 300; i++) {
      put(w, i, value(i, 100));
    }
    w.close();
    Path readOnly = makeReadOnly(d);

    Store.StorageException e = assertThrows(Store.StorageException.class, () -> open(options(readOnly)));
    assertNames(e, readOnly, "readOnly(true)");
    Store r = open(options(readOnly).readOnly(true));
    assertMatches(model, r);
    assertThrows(Store.ReadOnlyException.class, () -> r.put(key(1), value(1, 1)));
  }

  @Test
  void aDirectoryMadeReadOnlyWhileOpenFailsWritesAtTheNextRollAndImageAndKeepsReads() throws Exception {
    Path d = dir.resolve("store");
    Store s = open(options(d));
    for (int i = 0; i < 100; i++) {
      put(s, i, value(i, 300));
    }
    fillActiveSegment(s, 100, 600);
    boolean real = !isRoot();
    if (real) {
      setWritable(d, false); // existing files stay writable; creating files is refused, as on a directory made read-only
    } else {
      // root ignores permission bits, and a mount with open writable files cannot be remounted read-only
      System.out.println("DiskSpaceTest: running as root, so the read-only directory is simulated through the file seam (EROFS)");
      FileFaults.failAll(FileFaults.READ_ONLY);
    }
    try {
      Store.StorageException put = assertThrows(Store.StorageException.class, () -> s.put(key(7), value(-7, 4000)));
      assertNames(put, d, real ? "Permission denied" : "Read-only file system");
      Store.StorageException flush = assertThrows(Store.StorageException.class, s::flush);
      assertNames(flush, "index.img");
      assertMatches(model, s);
    } finally {
      FileFaults.clear();
      if (real) {
        setWritable(d, true);
      }
    }
    put(s, 7, value(-7, 4000));
    s.close();
    assertMatches(model, open(options(d)));
  }

  // ------------------------------------------------------------------ a real full file system

  @Test
  void aRealFullFileSystemFailsWritesClearlyNeverFaultsAndLosesNothingOnceSpaceReturns() throws Exception {
    Path mountPoint = mountTmpfs("3m");
    Path ballast = mountPoint.resolve("ballast");
    Path d = mountPoint.resolve("store");
    Store s = open(options(d).checkpointBytes(64 << 10).compactionThreshold(0.05));
    // Fill the file system: first with ballast, then with the store until a write fails.
    writeBallast(ballast, 1 << 20);
    SplittableRandom random = new SplittableRandom(7);
    Store.StorageException full = null;
    int written = 0;
    for (int i = 0; i < 100_000 && full == null; i++) {
      int k = random.nextInt(3000);
      byte[] v = value(i, 200 + random.nextInt(800));
      try {
        s.put(key(k), v);
        model.put(ByteBuffer.wrap(key(k)), v);
        written++;
      } catch (Store.StorageException e) {
        full = e;
      }
    }
    assertTrue(full != null, "the 3 MiB file system never filled up after " + written + " writes");
    assertNames(full, d, "No space left on device");
    System.out.println("DiskSpaceTest: tmpfs of 3 MiB full after " + written + " writes: " + full.getMessage());
    assertMatches(model, s);
    Path rest = mountPoint.resolve("rest");
    fillRemainingSpace(rest); // what a 64 KiB segment could not use, an image still could
    Store.StorageException flush = assertThrows(Store.StorageException.class, s::flush);
    assertNames(flush, "index.img", "No space left on device");
    fillActiveSegment(s, 5000, 200); // so that compaction's first copy that does not fit needs a new segment
    Store.StorageException compact = assertThrows(Store.StorageException.class, s::compact);
    assertNames(compact, d, "No space left on device");
    assertMatches(model, s);

    Files.delete(ballast); // space returns
    Files.delete(rest);
    for (int i = 0; i < 300; i++) {
      put(s, random.nextInt(3000), value(1_000_000 + i, 200 + random.nextInt(800)));
    }
    s.flush();
    assertMatches(model, s);
    s.close();
    Store reopened = open(options(d));
    assertMatches(model, reopened);
  }

  // ------------------------------------------------------------------ helpers

  private static Map<String, byte[]> snapshot(Path d) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (Stream<Path> files = Files.list(d)) {
      for (Path p : files.toList()) {
        out.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  private static void assertMapsEqual(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet(), "files in the directory");
    for (String name : expected.keySet()) {
      assertArrayEquals(expected.get(name), actual.get(name), () -> name + " changed");
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void setWritable(Path d, boolean writable) throws IOException {
    Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString(writable ? "rwx------" : "r-x------"));
  }

  /**
   * Returns a read-only view of {@code d}: a read-only bind mount as root (root ignores permission
   * bits), the directory itself with its write permissions removed otherwise.
   */
  private Path makeReadOnly(Path d) throws Exception {
    if (!isRoot()) {
      try (Stream<Path> files = Files.list(d)) {
        for (Path p : files.toList()) {
          Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("r--------"));
        }
      }
      setWritable(d, false);
      return d;
    }
    Path view = dir.resolve("read-only-view");
    Files.createDirectories(view);
    String bind = run("mount", "--bind", d.toString(), view.toString());
    assumeTrue(bind == null, () -> "DiskSpaceTest: skipped, cannot bind-mount as root: " + bind);
    mounted = view;
    String ro = run("mount", "-o", "remount,bind,ro", view.toString());
    assumeTrue(ro == null, () -> "DiskSpaceTest: skipped, cannot remount read-only: " + ro);
    return view;
  }

  private Path mountTmpfs(String size) throws Exception {
    assumeTrue(isRoot(), "DiskSpaceTest: real full file system skipped: mounting a tmpfs needs root, and this runs as "
        + System.getProperty("user.name"));
    Path mountPoint = dir.resolve("small-fs");
    Files.createDirectories(mountPoint);
    String error = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mountPoint.toString());
    assumeTrue(error == null, () -> "DiskSpaceTest: real full file system skipped: mount -t tmpfs failed: " + error);
    mounted = mountPoint;
    return mountPoint;
  }

  private static void writeBallast(Path file, int bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
  }

  private static void fillRemainingSpace(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      while (true) {
        b.clear();
        ch.write(b);
      }
    } catch (IOException e) {
      assertTrue(String.valueOf(e.getMessage()).contains("No space left on device"), e::toString);
    }
  }

  /** Runs a command; returns null on success, else its exit status and output. */
  private static String run(String... command) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.toString();
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", command) + " did not finish in 30 s";
    }
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + out;
  }
}
