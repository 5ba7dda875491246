package io.inkv.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application: inkv-spring on the class path, {@code @EnableCaching}, and the
 * {@code inkv.*} settings in application.properties are all it takes. It serves the books over
 * HTTP ({@link BookController}) until it is stopped (Ctrl-C); closing it closes the caches and
 * ends every inkv thread.
 */
@SpringBootApplication
@EnableCaching
public class BookApplication {

  public static void main(String[] args) {
    ConfigurableApplicationContext context = SpringApplication.run(BookApplication.class, args);
    String port = context.getEnvironment().getProperty("local.server.port");
    System.out.printf("inkv example: ask twice for a book, and the second answer comes from the cache:%n"
        + "  curl -i http://localhost:%s/books/1%n", port);
  }
}
