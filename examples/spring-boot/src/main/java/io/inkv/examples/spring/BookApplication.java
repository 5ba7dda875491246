package io.inkv.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application: inkv-spring on the class path, {@code @EnableCaching}, and the
 * {@code inkv.*} settings in application.properties are all it takes.
 */
@SpringBootApplication
@EnableCaching
public class BookApplication {

  public static void main(String[] args) {
    try (ConfigurableApplicationContext context = SpringApplication.run(BookApplication.class, args)) {
      BookService books = context.getBean(BookService.class);
      BookRepository repository = context.getBean(BookRepository.class);
      for (int round = 1; round <= 2; round++) {
        long start = System.nanoTime();
        Book dune = books.find(1);
        System.out.printf("round %d: %s in %.3f ms (repository reads so far: %d)%n",
            round, dune, (System.nanoTime() - start) / 1e6, repository.reads());
      }
      int lookups = 100_000;
      long start = System.nanoTime();
      for (int i = 0; i < lookups; i++) {
        books.find(1);
      }
      System.out.printf("%d cached lookups: %.2f us each, through the caching proxy%n",
          lookups, (System.nanoTime() - start) / 1e3 / lookups);
      // run it again: the "books" cache is persistent, so even the first round is a cache hit
    }
  }
}
