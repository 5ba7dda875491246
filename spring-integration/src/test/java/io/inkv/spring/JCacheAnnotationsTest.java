package io.inkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.annotation.CacheDefaults;
import javax.cache.annotation.CacheKey;
import javax.cache.annotation.CachePut;
import javax.cache.annotation.CacheRemove;
import javax.cache.annotation.CacheRemoveAll;
import javax.cache.annotation.CacheResult;
import javax.cache.annotation.CacheValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * JSR-107's own caching annotations, which Spring runs through its JCache support (with
 * {@code spring-context-support} on the class path), on the auto-configured inkv cache manager:
 * on caches kept by reference (the default) and on caches that store by value.
 */
class JCacheAnnotationsTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(InkvCacheAutoConfiguration.class))
      .withUserConfiguration(Annotated.class);

  /** A record inkv's codec encodes, so it can be cached by value as well as by reference. */
  public record Person(String id, String name) {}

  /** A directory of people whose methods carry the JSR-107 annotations; it counts the lookups that reach it. */
  @CacheDefaults(cacheName = "people")
  public static class Directory {
    private final Map<String, Person> rows = new ConcurrentHashMap<>();
    private final AtomicInteger lookups = new AtomicInteger();

    public int lookups() {
      return lookups.get();
    }

    @CacheResult
    public Person find(String id) {
      lookups.incrementAndGet();
      return rows.getOrDefault(id, new Person(id, "unknown"));
    }

    @CacheResult(cacheName = "greetings")
    public String greet(@CacheKey String id, String salutation) {
      lookups.incrementAndGet();
      return salutation + " " + id;
    }

    @CachePut
    public void save(@CacheKey String id, @CacheValue Person person) {
      rows.put(id, person);
    }

    @CacheRemove
    public void delete(String id) {
      rows.remove(id);
    }

    @CacheRemoveAll
    public void deleteAll() {
      rows.clear();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class Annotated {
    @Bean
    Directory directory() {
      return new Directory();
    }
  }

  @ParameterizedTest(name = "store-by-value={0}")
  @ValueSource(booleans = {false, true})
  void everyJsr107AnnotationReadsAndWritesTheInkvCache(boolean byValue) {
    runner.withPropertyValues("inkv.default.store-by-value=" + byValue).run(context -> {
      assertThat(context).hasNotFailed();
      Directory directory = context.getBean(Directory.class);
      CacheManager manager = context.getBean(CacheManager.class);

      // @CacheResult: the first call runs the method, the second is served by the cache
      Person first = directory.find("ada");
      Person second = directory.find("ada");
      assertThat(second).isEqualTo(new Person("ada", "unknown"));
      assertThat(directory.lookups()).isEqualTo(1);
      assertThat(second == first).as("the same instance exactly when the cache keeps references").isEqualTo(!byValue);
      assertThat(manager.getCache("people").get("ada").get()).isEqualTo(first);

      // @CacheKey picks the key among the parameters
      assertThat(directory.greet("ada", "hello")).isEqualTo("hello ada");
      assertThat(directory.greet("ada", "goodbye")).isEqualTo("hello ada");
      assertThat(directory.lookups()).isEqualTo(2);

      // @CachePut with @CacheValue: the cache holds the value that was saved, and find does not run
      Person saved = new Person("ada", "Ada Lovelace");
      directory.save("ada", saved);
      assertThat(directory.find("ada")).isEqualTo(saved);
      assertThat(directory.lookups()).isEqualTo(2);

      // @CacheRemove: the next find runs the method again
      directory.delete("ada");
      assertThat(manager.getCache("people").get("ada")).isNull();
      assertThat(directory.find("ada")).isEqualTo(new Person("ada", "unknown"));
      assertThat(directory.lookups()).isEqualTo(3);

      // @CacheRemoveAll: every entry of the cache goes
      directory.save("alan", new Person("alan", "Alan Turing"));
      directory.find("grace");
      directory.deleteAll();
      assertThat(manager.getCache("people").get("alan")).isNull();
      assertThat(manager.getCache("people").get("grace")).isNull();
      assertThat(manager.getCache("greetings").get("ada")).isNotNull();
    });
  }
}
