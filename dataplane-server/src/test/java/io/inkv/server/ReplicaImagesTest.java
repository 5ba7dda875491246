package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.server.client.ImageFetch;
import io.inkv.store.Store;
import io.inkv.store.StoreOptions;
import io.inkv.store.document.DocumentStore;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replica images (index images of a store for new replicas): built on demand, by time and by writes, kept to a number, served with a checksum, and fetched. */
class ReplicaImagesTest {
  @TempDir Path dir;

  @Test
  void anImageIsServedWithItsChecksumAndUnpacksToTheSameStore() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data"))) {
      for (int i = 0; i < 500; i++) {
        s.post("/stores/users/docs/u" + i, "{\"n\":" + i + ",\"name\":\"user " + i + "\"}");
      }
      HttpResponse<String> created = s.post("/stores/users/images", "");
      assertEquals(201, created.statusCode());
      String location = created.headers().firstValue("location").orElseThrow();
      assertTrue(location.startsWith("/stores/users/images/"), location);

      HttpResponse<byte[]> zip = s.getBytes("/stores/users/images/latest");
      assertEquals(200, zip.statusCode());
      assertEquals("application/zip", zip.headers().firstValue("content-type").orElseThrow());
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip.body()));
      assertEquals(sha, zip.headers().firstValue("x-inkv-image-sha256").orElseThrow());
      assertTrue(zip.headers().firstValue("digest").orElseThrow().startsWith("sha-256="));
      assertEquals(200, s.getBytes(location).statusCode());

      HttpResponse<String> list = s.get("/stores/users/images");
      assertTrue(list.body().contains(sha), list.body());

      Path replica = dir.resolve("replica");
      ImageFetch.Result r = ImageFetch.fetchLatest(s.server.uri(), "users", replica, null);
      assertEquals(java.util.Map.of(), r.offsets());
      try (DocumentStore docs = DocumentStore.open(StoreOptions.builder(replica).build())) {
        assertEquals(500, docs.store().size());
        assertEquals("user 42", docs.getString("u42", "name").orElseThrow());
        docs.store().verify();
      }
    }
  }

  @Test
  void anImageTakenUnderWriteLoadHoldsEveryWriteAcknowledgedBeforeIt() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data"))) {
      AtomicInteger acknowledged = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get() && i < 200_000; i++) {
          if (s.post("/store/k" + i, "value-" + i).statusCode() == 200) {
            acknowledged.set(i + 1);
          }
        }
      });
      writer.start();
      while (acknowledged.get() < 2000) {
        Thread.sleep(5);
      }
      int before = acknowledged.get();
      ReplicaImages.ImageInfo info = s.server.images().build(s.server.stores().find("cache"));
      int after = acknowledged.get();
      stop.set(true);
      writer.join();
      assertNotNull(info);
      Path replica = dir.resolve("replica");
      ImageFetch.fetchLatest(s.server.uri(), "cache", replica, null);
      try (Store store = StoreOptions.builder(replica).open()) {
        store.verify();
        for (int i = 0; i < before; i++) {
          assertArrayEquals(("value-" + i).getBytes(StandardCharsets.UTF_8), store.get(("k" + i).getBytes(StandardCharsets.UTF_8)), "k" + i);
        }
        // nothing written after the snapshot ended is in it
        assertTrue(store.size() <= after + 1, store.size() + " > " + after);
      }
    }
  }

  @Test
  void imagesAreKeptToTheConfiguredNumber() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data"), "--images-keep", "2")) {
      s.post("/store/a", "1");
      for (int i = 0; i < 4; i++) {
        s.post("/store/a", "v" + i);
        assertEquals(201, s.post("/stores/cache/images", "").statusCode());
      }
      List<ReplicaImages.ImageInfo> images = s.server.images().list("cache");
      assertEquals(2, images.size());
      try (var files = Files.list(dir.resolve("data/.images/cache"))) {
        assertEquals(4, files.count()); // two zips, two descriptors
      }
    }
  }

  @Test
  void imagesAreBuiltAfterTheConfiguredNumberOfWrites() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data"), "--image-every-writes", "10")) {
      for (int i = 0; i < 10; i++) {
        s.post("/store/w" + i, "x");
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (s.server.images().list("cache").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, s.server.images().list("cache").size());
      assertTrue(s.get("/metrics").body().contains("inkv_images_built_total{store=\"cache\"} 1"));
    }
  }

  @Test
  void imagesAreBuiltPeriodicallyOnlyForChangedStores() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data"), "--image-interval", "200ms")) {
      s.post("/store/p", "x");
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (s.server.images().list("cache").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(600);
      assertEquals(1, s.server.images().list("cache").size(), "an unchanged store gets no new image");
    }
  }

  @Test
  void aDamagedDownloadIsRefusedAndLeavesNothingBehind() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data"))) {
      s.post("/store/a", "1");
      ReplicaImages.ImageInfo info = s.server.images().build(s.server.stores().find("cache"));
      Path zip = s.server.images().zipOf(info);
      byte[] bytes = Files.readAllBytes(zip);
      bytes[bytes.length / 2] ^= 1;
      Files.write(zip, bytes);
      Path replica = dir.resolve("replica");
      ImageFetch.FetchException e = assertThrows(ImageFetch.FetchException.class,
          () -> ImageFetch.fetchLatest(s.server.uri(), "cache", replica, null));
      assertTrue(e.getMessage().contains("does not match"), e.getMessage());
      try (var files = Files.list(replica)) {
        assertEquals(0, files.count());
      }
    }
  }

  @Test
  void imageRoutesAnswerForMissingThings() {
    try (TestServer s = new TestServer(dir.resolve("data"))) {
      assertEquals(404, s.get("/stores/ghost/images/latest").statusCode());
      s.post("/store/a", "1");
      HttpResponse<String> none = s.get("/stores/cache/images/latest");
      assertEquals(404, none.statusCode());
      assertTrue(none.body().contains("POST /stores/cache/images"), none.body());
      assertEquals(400, s.get("/stores/cache/images/..%2F..%2Fetc").statusCode());
      assertEquals(400, s.get("/stores/cache/images/not-an-id").statusCode());
      assertEquals(404, s.get("/stores/cache/images/1700000000000-0001").statusCode());
      assertEquals(405, s.delete("/stores/cache/images").statusCode());
    }
  }
}
