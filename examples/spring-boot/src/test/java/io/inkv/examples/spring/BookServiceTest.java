package io.inkv.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inkv.jcache.InkvCache;
import io.inkv.spring.InkvCacheManager;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.cache.CacheManager;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The example end to end: the repository is read only when the cache cannot answer. */
@SpringBootTest(properties = "example.repository.latency=0ms")
@DirtiesContext // close the caches before the temporary directory is deleted
class BookServiceTest {
  @TempDir
  static Path directory;

  @DynamicPropertySource
  static void cacheDirectory(DynamicPropertyRegistry registry) {
    registry.add("inkv.directory", () -> directory.toString());
  }

  @Autowired
  BookService books;

  @Autowired
  BookRepository repository;

  @Autowired
  CacheManager cacheManager;

  @Test
  void theCachesAreInkvCachesConfiguredFromApplicationProperties() {
    assertThat(cacheManager).isInstanceOf(InkvCacheManager.class);
    InkvCache<?, ?> cache = (InkvCache<?, ?>) cacheManager.getCache("books").getNativeCache();
    assertThat(cache.store().directory()).isEqualTo(directory.resolve("books"));
  }

  @Test
  void findReadsTheRepositoryOnceAndThenTheCache() {
    int before = repository.reads();
    Book dune = books.find(1);
    assertThat(dune.title()).isEqualTo("Dune");
    assertThat(books.find(1)).isEqualTo(dune);
    assertThat(books.find(1)).isEqualTo(dune);
    assertThat(repository.reads() - before).isEqualTo(1);
  }

  @Test
  void aMissingBookIsCachedToo() {
    int before = repository.reads();
    assertThat(books.find(404)).isNull();
    assertThat(books.find(404)).isNull();
    assertThat(repository.reads() - before).isEqualTo(1);
  }

  @Test
  void saveUpdatesTheCacheAndDeleteEvictsIt() {
    int before = repository.reads();
    books.save(new Book(2, "The Dispossessed", "Ursula K. Le Guin"));
    assertThat(books.find(2).title()).isEqualTo("The Dispossessed");
    assertThat(repository.reads() - before).isZero();

    books.delete(2);
    assertThat(books.find(2)).isNull();
    assertThat(repository.reads() - before).isEqualTo(1);
  }
}
