package io.inkv.server;

import io.inkv.store.Store;
import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Index images: a snapshot of one store's files plus the Kafka offsets they reflect, packed in one
 * zip file with a SHA-256 checksum, so a new replica downloads it, seeks to the offsets and tails
 * the topic instead of replaying it from the start.
 *
 * Taking a consistent snapshot of a live store. The store's files are: inkv.manifest (written once),
 * index.img and *.meta (replaced atomically by rename), sealed segments (never written again, except
 * that compaction deletes them once an index image no longer refers to them) and the active
 * segment, the only file appended to. So:
 *
 *   1. Read the applied offsets first (replicated mode). The applier advances them only after it
 *      has applied an event, so the snapshot holds at least what they say; a replica seeking to
 *      them may apply a few events twice, which is harmless (per key, the last event in log order
 *      wins). Local mode has no offsets.
 *   2. Pause the store's writers (the write side of ServedStore's gate; every HTTP write holds the
 *      read side) and call Store.flush(), which forces every segment and writes index.img as of
 *      this instant: it covers every acknowledged write.
 *   3. Still paused, hard-link every file into a staging folder, the replication checkpoint
 *      (replication.meta, issue 6: the applied offsets, written after a flush) first. A link
 *      costs no copy, keeps the file alive if compaction deletes it, and keeps the version of a
 *      file that a rename later replaces. The active (highest-numbered) segment is copied instead,
 *      because it is the one file writers append to in place. If index.img was replaced while
 *      linking (the background compactor writes one, and may then delete segments the earlier one
 *      referred to), start the linking again; with the same index.img before and after, every
 *      segment it refers to was linked.
 *   4. Resume writers. They were paused for one flush plus one copy of at most a segment (64 MiB
 *      by default): tens of milliseconds. Zip the staging folder with a manifest listing each
 *      file's size and SHA-256 and the offsets, hash the zip as it is written, force it, rename it
 *      into place, and drop the oldest images past --images-keep.
 *
 * The background compactor is not paused (it is the store's own thread), nor, in replicated mode,
 * the applier of other replicas' events: while linking, either may append to the active segment. The copy then ends in a whole moved record (it keeps
 * its sequence number, so applying it at open changes nothing) or a torn one (which recovery
 * truncates, exactly as after a crash); a moved record's original stays in a linked sealed
 * segment, and an applied event is past the offsets of step 1, so the replica applies it again.
 * Either way the image opens to the state of step 2 or a little later, never earlier.
 */
final class IndexImages implements AutoCloseable {
  static final String DIR = ".images";
  static final String MANIFEST = "image.json";
  static final String FILES_PREFIX = "store/";
  private static final Logger LOG = LoggerFactory.getLogger(IndexImages.class);

  /** What one image holds; the JSON descriptor beside the zip and the list route show it. */
  record ImageInfo(String id, String store, long createdMillis, long bytes, String sha256, Map<Integer, Long> offsets) {
    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("store", store);
      m.put("createdMillis", createdMillis);
      m.put("bytes", bytes);
      m.put("sha256", sha256);
      Map<String, Long> o = new TreeMap<>();
      offsets.forEach((p, off) -> o.put(Integer.toString(p), off));
      m.put("offsets", o);
      return m;
    }
  }

  private final ServerStores stores;
  private final Writes writes;
  private final Metrics metrics;
  private final DocumentJson json;
  private final int keep;
  private final Path root;
  private final Map<String, Object> buildLocks = new ConcurrentHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private ScheduledExecutorService scheduler;

  IndexImages(ServerStores stores, Writes writes, Metrics metrics, DocumentJson json, int keep) {
    this.stores = stores;
    this.writes = writes;
    this.metrics = metrics;
    this.json = json;
    this.keep = keep;
    this.root = stores.dataDir().resolve(DIR);
  }

  /** Builds images every {@code intervalMillis} (0: never) and after {@code everyWrites} writes (0: never). */
  void schedule(long intervalMillis, long everyWrites) {
    if (intervalMillis <= 0 && everyWrites <= 0) {
      return;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "inkv-index-images");
      t.setDaemon(true);
      return t;
    });
    if (intervalMillis > 0) {
      scheduler.scheduleWithFixedDelay(() -> buildChanged(1), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }
    if (everyWrites > 0) {
      scheduler.scheduleWithFixedDelay(() -> buildChanged(everyWrites), 1, 1, TimeUnit.SECONDS);
    }
  }

  private void buildChanged(long minWrites) {
    for (ServedStore s : stores.all()) {
      if (s.writesSinceImage.sum() >= minWrites) {
        try {
          build(s);
        } catch (RuntimeException e) {
          LOG.error("store '{}': building an index image failed", s.name, e);
        }
      }
    }
  }

  private Path dirOf(String store) {
    return root.resolve(store);
  }

  /** Takes a snapshot of {@code s} now; see the comment at the top of this class. */
  ImageInfo build(ServedStore s) {
    synchronized (buildLocks.computeIfAbsent(s.name, n -> new Object())) {
      long started = System.nanoTime();
      long now = System.currentTimeMillis();
      String id = String.format("%013d-%04d", now, sequence.incrementAndGet() % 10_000);
      Path dir = dirOf(s.name);
      Path staging = dir.resolve(".staging-" + id);
      Map<Integer, Long> offsets = writes.appliedOffsets(s);
      long writesBefore;
      long pausedNanos;
      try {
        Files.createDirectories(staging);
        s.pauseGate().lock();
        long pausedAt = System.nanoTime();
        try {
          writesBefore = s.writesSinceImage.sum();
          s.store.flush();
          stage(s.store.directory(), staging);
        } finally {
          s.pauseGate().unlock();
          pausedNanos = System.nanoTime() - pausedAt;
        }
        s.writesSinceImage.add(-writesBefore);
        ImageInfo info = pack(s, id, now, staging, offsets);
        prune(s.name);
        metrics.imageBuilt(s.name, now);
        LOG.info("store '{}': index image {} built, {} bytes, writes paused {} ms, {} ms in all", s.name, id,
            info.bytes(), pausedNanos / 1_000_000, (System.nanoTime() - started) / 1_000_000);
        return info;
      } catch (IOException e) {
        throw new ServerException("store '" + s.name + "': cannot build an index image: " + e.getMessage(), e);
      } finally {
        deleteTree(staging);
      }
    }
  }

  /** Links (or for the active segment, copies) the store's files into {@code staging}; writers are paused. */
  private static void stage(Path storeDir, Path staging) throws IOException {
    for (int attempt = 1; ; attempt++) {
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(storeDir)) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          if (Files.isRegularFile(p) && !n.equals("inkv.lock") && !n.endsWith(".tmp")) {
            files.add(p);
          }
        }
      }
      // the replication checkpoint (replication.meta, written after a Store.flush) first: the
      // segments linked and copied after it hold at least what its offsets say
      files.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().equals("replication.meta"))
          .thenComparing(p -> p.getFileName().toString()));
      Path active = files.stream().filter(p -> p.getFileName().toString().endsWith(".seg"))
          .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
      Path imageBefore = storeDir.resolve("index.img");
      Path imageLink = staging.resolve("index.img");
      for (Path p : files) {
        Path target = staging.resolve(p.getFileName().toString());
        try {
          if (p.equals(active)) {
            Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
          } else {
            Files.createLink(target, p);
          }
        } catch (java.nio.file.NoSuchFileException e) {
          // deleted by compaction while listing: only allowed if index.img changed, checked below
        } catch (UnsupportedOperationException | IOException e) {
          if (Files.exists(p)) {
            Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      boolean stable = !Files.exists(imageBefore) || (Files.exists(imageLink)
          && (Files.isSameFile(imageBefore, imageLink) || Files.mismatch(imageBefore, imageLink) == -1));
      if (stable) {
        return;
      }
      if (attempt == 5) {
        throw new IOException("the store's index image kept changing while it was linked (5 attempts)");
      }
      try (Stream<Path> st = Files.list(staging)) {
        for (Path p : (Iterable<Path>) st::iterator) {
          Files.delete(p);
        }
      }
    }
  }

  private ImageInfo pack(ServedStore s, String id, long now, Path staging, Map<Integer, Long> offsets) throws IOException {
    Path dir = dirOf(s.name);
    Path tmp = dir.resolve(id + ".zip.tmp");
    Path zip = dir.resolve(id + ".zip");
    MessageDigest whole = sha256();
    List<Map<String, Object>> fileList = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> st = Files.list(staging)) {
      files = st.sorted().toList();
    }
    try (OutputStream fileOut = Files.newOutputStream(tmp);
         DigestOutputStream digestOut = new DigestOutputStream(fileOut, whole);
         ZipOutputStream z = new ZipOutputStream(digestOut)) {
      z.setLevel(1); // segments end in zeroes up to their fixed size: level 1 removes most of it cheaply
      byte[] buf = new byte[1 << 16];
      for (Path p : files) {
        String name = p.getFileName().toString();
        MessageDigest fd = sha256();
        long size = 0;
        z.putNextEntry(new ZipEntry(FILES_PREFIX + name));
        try (InputStream in = Files.newInputStream(p)) {
          for (int n; (n = in.read(buf)) > 0; ) {
            z.write(buf, 0, n);
            fd.update(buf, 0, n);
            size += n;
          }
        }
        z.closeEntry();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", name);
        f.put("bytes", size);
        f.put("sha256", HexFormat.of().formatHex(fd.digest()));
        fileList.add(f);
      }
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("format", "inkv-image");
      manifest.put("formatVersion", 1);
      manifest.put("id", id);
      manifest.put("store", s.name);
      manifest.put("kind", s.kind.label);
      manifest.put("createdMillis", now);
      Map<String, Long> o = new TreeMap<>();
      offsets.forEach((p, off) -> o.put(Integer.toString(p), off));
      manifest.put("offsets", o);
      manifest.put("files", fileList);
      z.putNextEntry(new ZipEntry(MANIFEST));
      z.write(json.writeValue(manifest));
      z.closeEntry();
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    DurableFiles.moveAtomically(tmp, zip, true);
    ImageInfo info = new ImageInfo(id, s.name, now, Files.size(zip), HexFormat.of().formatHex(whole.digest()), offsets);
    DurableFiles.writeAtomically(dir.resolve(id + ".json"), json.writeValue(info.toJson()), true);
    return info;
  }

  private void prune(String store) throws IOException {
    List<ImageInfo> all = list(store);
    for (int i = keep; i < all.size(); i++) {
      Path dir = dirOf(store);
      Files.deleteIfExists(dir.resolve(all.get(i).id() + ".json"));
      Files.deleteIfExists(dir.resolve(all.get(i).id() + ".zip"));
    }
  }

  /** The images of {@code store}, newest first. */
  List<ImageInfo> list(String store) {
    Path dir = dirOf(store);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<ImageInfo> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
      for (Path p : ds) {
        ImageInfo info = readInfo(p);
        if (info != null && Files.exists(dir.resolve(info.id() + ".zip"))) {
          out.add(info);
        }
      }
    } catch (IOException e) {
      throw new ServerException("store '" + store + "': cannot list index images: " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(ImageInfo::id).reversed());
    return out;
  }

  private ImageInfo readInfo(Path p) {
    try {
      com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(p.toFile());
      Map<Integer, Long> offsets = new TreeMap<>();
      n.get("offsets").properties().forEach(e -> offsets.put(Integer.parseInt(e.getKey()), e.getValue().longValue()));
      return new ImageInfo(n.get("id").textValue(), n.get("store").textValue(), n.get("createdMillis").longValue(),
          n.get("bytes").longValue(), n.get("sha256").textValue(), offsets);
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable image descriptor {}: {}", p, e.toString());
      return null;
    }
  }

  /** The image {@code id} ("latest" for the newest) of {@code store}, or null. */
  ImageInfo find(String store, String id) {
    List<ImageInfo> all = list(store);
    if (id.equals("latest")) {
      return all.isEmpty() ? null : all.get(0);
    }
    return all.stream().filter(i -> i.id().equals(id)).findFirst().orElse(null);
  }

  Path zipOf(ImageInfo info) {
    return dirOf(info.store()).resolve(info.id() + ".zip");
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      DurableFiles.deleteTree(dir);
    } catch (Store.StorageException e) {
      LOG.warn("cannot delete {}: {}", dir, e.getMessage());
    }
  }


  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdown();
      try {
        scheduler.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Removes staging folders and half-written zips a crash left behind. */
  void cleanUp() {
    if (!Files.isDirectory(root)) {
      return;
    }
    List<Path> found;
    try (Stream<Path> st = Files.walk(root, 2)) {
      found = st.toList();
    } catch (IOException e) {
      LOG.warn("cannot clean up {}: {}", root, e.toString());
      return;
    }
    try {
      for (Path p : found) {
        String n = p.getFileName().toString();
        if (n.startsWith(".staging-")) {
          deleteTree(p);
        } else if (n.endsWith(".tmp")) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot clean up {}: {}", root, e.toString());
    }
  }
}
