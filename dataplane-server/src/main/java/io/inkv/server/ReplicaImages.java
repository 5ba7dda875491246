package io.inkv.server;

import io.inkv.store.Store;
import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Replica images: a snapshot of one store plus the Kafka offsets it reflects, packed in one zip
 * file with a SHA-256 checksum, so a new replica downloads it, seeks to the offsets and tails the
 * topic instead of replaying it from the start. (The store's own index image is one of the files
 * inside.) The zip holds store/<file> for each file of the snapshot and the server's kind file,
 * and image.json, a manifest listing each file's size and SHA-256 and the offsets; ImageFetch is
 * its reader, and the format stays readable by replicas of earlier builds.
 *
 * Building one:
 *
 *   1. Read the applied offsets first (replicated mode). The applier advances them only after it
 *      has applied an event and flushed the store, so the snapshot holds at least what they say;
 *      a replica seeking to them may apply a few events twice, which is harmless (per key, the
 *      last event in log order wins). Local mode has no offsets.
 *   2. Ask the store for a snapshot into a staging folder (Store.snapshot, or DocumentStore.snapshot
 *      for a document store; a replicated store first copies its replication checkpoint). The store
 *      takes it under its own coordination: it writes an index image, links its sealed segments
 *      and copies its active segment's committed prefix while compaction waits, and it pauses no
 *      writer. Every write acknowledged before step 2 began is in the snapshot.
 *   3. Zip the staging folder with the manifest, hash the zip as it is written, force it, rename it
 *      into place (forcing the directory), and drop the oldest images past --images-keep.
 *
 * This class names no file of the store: what a snapshot holds is the store's business.
 */
final class ReplicaImages implements AutoCloseable {
  static final String DIR = ".images";
  static final String MANIFEST = "image.json";
  static final String FILES_PREFIX = "store/";
  /** A zip being written; renamed to *.zip when whole, deleted at start-up if a crash left it. */
  private static final String ZIP_TEMP = ".zip" + DurableFiles.TEMP_SUFFIX;
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaImages.class);

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

  ReplicaImages(ServerStores stores, Writes writes, Metrics metrics, DocumentJson json, int keep) {
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
      try {
        Files.createDirectories(staging);
        long writesBefore = s.writesSinceImage.sum();
        long snapshotAt = System.nanoTime();
        s.snapshot(staging);
        // the server's own file beside the store's, as the store directory holds it
        Files.writeString(staging.resolve(ServerStores.KIND_FILE), s.kind.label + "\n", StandardCharsets.UTF_8);
        long snapshotNanos = System.nanoTime() - snapshotAt;
        s.writesSinceImage.add(-writesBefore);
        ImageInfo info = pack(s, id, now, staging, offsets);
        prune(s.name);
        metrics.imageBuilt(s.name, now);
        LOG.info("store '{}': index image {} built, {} bytes, snapshot {} ms, {} ms in all", s.name, id,
            info.bytes(), snapshotNanos / 1_000_000, (System.nanoTime() - started) / 1_000_000);
        return info;
      } catch (IOException e) {
        throw new ServerException("store '" + s.name + "': cannot build an index image: " + e.getMessage(), e);
      } finally {
        deleteTree(staging);
      }
    }
  }

  private ImageInfo pack(ServedStore s, String id, long now, Path staging, Map<Integer, Long> offsets) throws IOException {
    Path dir = dirOf(s.name);
    Path tmp = dir.resolve(id + ZIP_TEMP);
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
        } else if (n.endsWith(ZIP_TEMP)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot clean up {}: {}", root, e.toString());
    }
  }
}
