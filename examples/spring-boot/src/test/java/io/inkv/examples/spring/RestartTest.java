package io.inkv.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The persistent "books" cache outlives the application: a restart finds it populated. */
class RestartTest {

  private static ConfigurableApplicationContext start(Path directory) {
    return new SpringApplicationBuilder(BookApplication.class)
        .run("--inkv.directory=" + directory, "--example.repository.latency=0ms", "--server.port=0");
  }

  @Test
  void aRestartedApplicationFindsItsCachePopulated(@TempDir Path directory) {
    Book dune;
    try (ConfigurableApplicationContext first = start(directory)) {
      BookService books = first.getBean(BookService.class);
      dune = books.find(1);
      books.find(3);
      books.find(404);
      assertThat(first.getBean(BookRepository.class).reads()).isEqualTo(3);
    }

    try (ConfigurableApplicationContext second = start(directory)) {
      BookService books = second.getBean(BookService.class);
      assertThat(books.find(1)).isEqualTo(dune);
      assertThat(books.find(3).title()).isEqualTo("Neuromancer");
      assertThat(books.find(404)).isNull();
      assertThat(second.getBean(BookRepository.class).reads()).isZero();
    }
  }
}
