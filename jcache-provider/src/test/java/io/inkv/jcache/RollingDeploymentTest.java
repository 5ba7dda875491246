package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.replication.Replica;
import io.inkv.replication.ReplicationConfig;
import io.inkv.replication.testkit.KafkaTestBroker;
import io.inkv.store.Durability;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.spi.CachingProvider;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two versions of an application, each with its own class loader holding its own version of the
 * cached class (compiled here), take turns on one persistent cache directory, or run at once on
 * one replicated cache: each reads what the other wrote, fields matched by name, in the cached
 * class and in the classes nested in it (codec-format.md, class evolution).
 */
class RollingDeploymentTest {
  @TempDir
  Path dir;

  /** Compiles classes of package {@code demo}, one source each, named by their class. */
  private ClassLoader compile(String version, String... sources) throws Exception {
    Path srcDir = Files.createDirectories(dir.resolve(version + "-src/demo"));
    Path out = Files.createDirectories(dir.resolve(version));
    List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", "17"));
    for (String source : sources) {
      Matcher m = Pattern.compile("public (?:final )?(?:record|class) (\\w+)").matcher(source);
      assertTrue(m.find(), source);
      Path src = srcDir.resolve(m.group(1) + ".java");
      Files.writeString(src, source);
      args.add(src.toString());
    }
    int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0]));
    assertEquals(0, rc, "javac compiled " + version);
    return new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader());
  }

  private static Object newBook(ClassLoader loader, Object... args) throws Exception {
    return newInstance(loader, "Book", args);
  }

  private static Object newInstance(ClassLoader loader, String name, Object... args) throws Exception {
    for (var c : Class.forName("demo." + name, true, loader).getConstructors()) {
      if (c.getParameterCount() == args.length) {
        return c.newInstance(args);
      }
    }
    throw new AssertionError("no constructor of demo." + name + " with " + args.length + " parameters");
  }

  private static Object get(Object o, String accessor) throws Exception {
    return o.getClass().getMethod(accessor).invoke(o);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Cache<Long, Object> open(CacheManager manager, ClassLoader loader) throws Exception {
    InkvConfiguration<Long, Object> config = InkvConfiguration.of(Long.class, (Class) Class.forName("demo.Book", true, loader))
        .setPersistent(true).setDirectory(dir.resolve("books")).setDurability(Durability.EVERY_WRITE);
    return manager.createCache("books", config);
  }

  @Test
  void twoVersionsOfAClassReadEachOthersEntriesInOnePersistentCache() throws Exception {
    ClassLoader v1 = compile("v1", "package demo; public record Book(long id, String title, int pages) {}");
    ClassLoader v2 = compile("v2", "package demo; public final class Book { private final long id;"
        + " private final String title; private final java.util.List<String> authors;"
        + " public Book(long id, String title, java.util.List<String> authors) { this.id = id; this.title = title;"
        + " this.authors = authors; } public long id() { return id; } public String title() { return title; }"
        + " public java.util.List<String> authors() { return authors; } }");
    CachingProvider provider = Providers.inkv();

    CacheManager old = provider.getCacheManager(URI.create("rolling-v1"), v1);
    open(old, v1).put(1L, newBook(v1, 1L, "Emma", 474));
    old.close();

    CacheManager next = provider.getCacheManager(URI.create("rolling-v2"), v2);
    Cache<Long, Object> books = open(next, v2);
    Object read = books.get(1L);
    assertEquals("Emma", get(read, "title"));
    assertNull(get(read, "authors"), "a field added since the entry was written is null");
    books.put(2L, newBook(v2, 2L, "Persuasion", List.of("Austen")));
    next.close();

    CacheManager back = provider.getCacheManager(URI.create("rolling-v1-again"), v1);
    Cache<Long, Object> again = open(back, v1);
    Object newer = again.get(2L);
    assertEquals("Persuasion", get(newer, "title"));
    assertEquals(0, get(newer, "pages"), "a field the other version does not have is zero");
    assertEquals(474, get(again.get(1L), "pages"));
    back.close();
  }

  private static final String CUSTOMER = "package demo; public record Customer(long id, String name, Address home,"
      + " Address work) {}";

  /** Waits until {@code cache} holds {@code key}, as a replica does once the write reached it. */
  private static Object awaitEntry(Cache<Long, Object> cache, long key) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Object v = cache.get(key);
    while (v == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
      v = cache.get(key);
    }
    assertNotNull(v, "entry " + key + " reached the replica");
    return v;
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void twoVersionsRunningAtOnceReadEachOthersWritesThroughOneReplicatedCache() throws Exception {
    ClassLoader v1 = compile("r1", "package demo; public record Address(String city, int zip) {}", CUSTOMER);
    ClassLoader v2 = compile("r2", "package demo; public record Address(String city, int zip, String country) {}",
        CUSTOMER.replace("String name,", "String name, java.util.List<String> tags,"));
    String store = "rolling" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    ReplicationConfig rc = ReplicationConfig.builder(store, KafkaTestBroker.shared().bootstrapServers()).partitions(2)
        .replicationFactor((short) 1).build();
    CachingProvider provider = Providers.inkv();
    try (CacheManager one = provider.getCacheManager(URI.create("rolling-one-" + store), v1);
         CacheManager two = provider.getCacheManager(URI.create("rolling-two-" + store), v2)) {
      Cache<Long, Object> old = one.createCache("customers", InkvConfiguration.of(Long.class,
          (Class) Class.forName("demo.Customer", true, v1)).setReplication(rc));
      Cache<Long, Object> next = two.createCache("customers", InkvConfiguration.of(Long.class,
          (Class) Class.forName("demo.Customer", true, v2)).setReplication(rc));

      old.put(1L, newInstance(v1, "Customer", 1L, "ann", newInstance(v1, "Address", "Oslo", 150), null));
      Object read = awaitEntry(next, 1L);
      assertEquals(Class.forName("demo.Customer", true, v2), read.getClass());
      assertEquals("ann", get(read, "name"));
      assertNull(get(read, "tags"), "a field added since is null");
      assertEquals("Oslo", get(get(read, "home"), "city"));
      assertNull(get(get(read, "home"), "country"), "a field added to the nested class since is null");

      next.put(2L, newInstance(v2, "Customer", 2L, "bob", List.of("vip"), newInstance(v2, "Address", "Rome", 100, "IT"),
          newInstance(v2, "Address", "Pisa", 560, "IT")));
      Object back = awaitEntry(old, 2L);
      assertEquals(Class.forName("demo.Customer", true, v1), back.getClass());
      assertEquals("bob", get(back, "name"));
      assertEquals("Rome", get(get(back, "home"), "city"));
      assertEquals(560, get(get(back, "work"), "zip"));
      assertEquals(Class.forName("demo.Address", true, v1), get(back, "work").getClass());
      assertEquals(0, old.unwrap(Replica.class).replicationStats().publishFailures());
      assertEquals(0, next.unwrap(Replica.class).replicationStats().publishFailures());
    }
  }
}
