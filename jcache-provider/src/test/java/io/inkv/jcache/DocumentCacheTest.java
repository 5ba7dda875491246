package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.ReplicationConfig;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import io.inkv.store.document.DocumentView;
import io.inkv.store.document.Field;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Documents through JCache: Cache<K, Document> by the standard methods, and the document API by unwrap. */
class DocumentCacheTest {

  @TempDir
  Path directory;

  @Test
  void aCacheOfDocumentsWorksThroughTheStandardMethodsAndUnwrapsToTheDocumentStore() {
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("documents-test"), getClass().getClassLoader());
    try {
      Cache<String, Document> users = manager.createCache("users",
          new MutableConfiguration<String, Document>().setTypes(String.class, Document.class));
      Document alice = Document.builder().put("name", "Alice").put("age", 22).build();
      users.put("alice", alice);
      assertEquals(alice, users.get("alice"));

      // The document API over the same entries: upsert merges, typed reads happen in place.
      DocumentStore docs = users.unwrap(DocumentStore.class);
      docs.upsert("alice", Document.builder().put("age", 25).put("city", "San Francisco").build());
      assertEquals(Document.builder().put("name", "Alice").put("age", 25).put("city", "San Francisco").build(),
          users.get("alice"));
      assertEquals(OptionalInt.of(25), docs.getInt("alice", "age"));
      Field age = docs.field("age");
      DocumentView view = new DocumentView();
      assertTrue(docs.read("alice".getBytes(StandardCharsets.UTF_8), view));
      assertEquals(25, view.getInt(age, -1));

      // A cache put replaces the whole document, as a put replaces any value.
      users.put("alice", Document.builder().put("name", "Alice").build());
      assertEquals(OptionalInt.empty(), docs.getInt("alice", "age"));
    } finally {
      manager.close();
    }
  }

  @Test
  void aPersistentDocumentCacheKeepsItsSchemaAndDocumentsAcrossManagers() {
    InkvConfiguration<String, Document> config = InkvConfiguration.of(String.class, Document.class)
        .setPersistent(true).setDirectory(directory.resolve("users"));
    CacheManager first = Providers.inkv().getCacheManager(URI.create("documents-persistent"), getClass().getClassLoader());
    first.createCache("users", config).put("bob", Document.builder().put("name", "Bob").put("age", 31).build());
    first.close();
    CacheManager second = Providers.inkv().getCacheManager(URI.create("documents-persistent"), getClass().getClassLoader());
    try {
      Cache<String, Document> users = second.createCache("users", config);
      assertEquals(Document.builder().put("name", "Bob").put("age", 31).build(), users.get("bob"));
      assertEquals(OptionalInt.of(31), users.unwrap(DocumentStore.class).getInt("bob", "age"));
    } finally {
      second.close();
    }
  }

  @Test
  void onlyADocumentCacheUnwrapsToADocumentStoreAndAReplicatedOneIsRefusedWithAReason() {
    CacheManager manager = Providers.inkv().getCacheManager(URI.create("documents-errors"), getClass().getClassLoader());
    try {
      Cache<String, String> strings = manager.createCache("strings", new MutableConfiguration<String, String>());
      IllegalArgumentException notDocuments = assertThrows(IllegalArgumentException.class,
          () -> strings.unwrap(DocumentStore.class));
      assertTrue(notDocuments.getMessage().contains("value type is Document"), notDocuments.getMessage());

      InkvConfiguration<String, Document> replicated = InkvConfiguration.of(String.class, Document.class)
          .setReplication(ReplicationConfig.builder("docs", "127.0.0.1:1").build());
      CacheException refused = assertThrows(CacheException.class, () -> manager.createCache("replicated", replicated));
      assertTrue(refused.getMessage().contains("Replication.replicate(DocumentStore"), refused.getMessage());
    } finally {
      manager.close();
    }
  }
}
