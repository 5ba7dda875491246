package io.inkv.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inkv.jcache.configuration.InkvConfiguration;
import io.inkv.store.Durability;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.spi.CachingProvider;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two versions of an application, each with its own class loader holding its own version of the
 * cached class (compiled here), take turns on one persistent cache directory: each reads what the
 * other wrote, fields matched by name (codec-format.md, class evolution).
 */
class RollingDeploymentTest {
  @TempDir
  Path dir;

  private ClassLoader compile(String version, String source) throws Exception {
    Path src = Files.createDirectories(dir.resolve(version + "-src/demo")).resolve("Book.java");
    Files.writeString(src, source);
    Path out = Files.createDirectories(dir.resolve(version));
    int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(), "--release", "17",
        src.toString());
    assertEquals(0, rc, "javac compiled " + version);
    return new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader());
  }

  private static Object newBook(ClassLoader loader, Object... args) throws Exception {
    for (var c : Class.forName("demo.Book", true, loader).getConstructors()) {
      if (c.getParameterCount() == args.length) {
        return c.newInstance(args);
      }
    }
    throw new AssertionError("no constructor of " + args.length);
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
}
