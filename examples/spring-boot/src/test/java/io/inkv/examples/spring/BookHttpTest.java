package io.inkv.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example over real HTTP, as a user sees it with curl: the first request for a book reads the
 * repository (X-Cache: MISS), the next ones are answered from the inkv cache (X-Cache: HIT).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "example.repository.latency=0ms")
@DirtiesContext // close the caches before the temporary directory is deleted
class BookHttpTest {
  @TempDir
  static Path directory;

  @DynamicPropertySource
  static void cacheDirectory(DynamicPropertyRegistry registry) {
    registry.add("inkv.directory", () -> directory.toString());
  }

  @Value("${local.server.port}")
  int port;

  @Autowired
  BookRepository repository;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.method(method, HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send("GET", path, null);
  }

  private static String cacheHeader(HttpResponse<String> response) {
    return response.headers().firstValue("X-Cache").orElse("(none)");
  }

  @Test
  void theFirstRequestReadsTheRepositoryAndTheNextAreAnsweredFromTheCache() throws Exception {
    int before = repository.reads();
    HttpResponse<String> first = get("/books/1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(first.body()).contains("\"title\":\"Dune\"", "\"author\":\"Frank Herbert\"");
    assertThat(first.headers().firstValue("Server-Timing")).hasValueSatisfying(
        timing -> assertThat(timing).matches("find;dur=\\d+\\.\\d{3}"));

    for (int i = 0; i < 3; i++) {
      HttpResponse<String> again = get("/books/1");
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(cacheHeader(again)).isEqualTo("HIT");
      assertThat(again.body()).isEqualTo(first.body());
    }
    assertThat(repository.reads() - before).isEqualTo(1);
  }

  @Test
  void aMissingBookIsNotFoundAndThatAnswerIsCachedToo() throws Exception {
    int before = repository.reads();
    HttpResponse<String> first = get("/books/404");
    assertThat(first.statusCode()).isEqualTo(404);
    assertThat(cacheHeader(first)).isEqualTo("MISS");

    HttpResponse<String> again = get("/books/404");
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(cacheHeader(again)).isEqualTo("HIT");
    assertThat(repository.reads() - before).isEqualTo(1);
  }

  @Test
  void aSavedBookIsServedFromTheCacheAndADeletedOneIsGone() throws Exception {
    int before = repository.reads();
    HttpResponse<String> saved = send("PUT", "/books/7", "{\"title\":\"Solaris\",\"author\":\"Stanislaw Lem\"}");
    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.body()).contains("\"id\":7", "\"title\":\"Solaris\"");

    HttpResponse<String> found = get("/books/7");
    assertThat(found.statusCode()).isEqualTo(200);
    assertThat(cacheHeader(found)).isEqualTo("HIT");
    assertThat(found.body()).isEqualTo(saved.body());
    assertThat(repository.reads() - before).as("the save put the book in the cache").isZero();

    assertThat(send("DELETE", "/books/7", null).statusCode()).isEqualTo(204);
    HttpResponse<String> gone = get("/books/7");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(cacheHeader(gone)).isEqualTo("MISS");
    assertThat(repository.reads() - before).isEqualTo(1);
  }

  @Test
  void theBooksOfAnAuthorAreCachedThroughJsr107sCacheResultUntilABookChanges() throws Exception {
    int before = repository.reads();
    HttpResponse<String> first = get("/books/by-author/Ursula%20K.%20Le%20Guin");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(first.body()).contains("\"title\":\"The Left Hand of Darkness\"");
    HttpResponse<String> again = get("/books/by-author/Ursula%20K.%20Le%20Guin");
    assertThat(cacheHeader(again)).isEqualTo("HIT");
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(repository.reads() - before).isEqualTo(1);

    // a saved book may change any author's list: the save empties "by-author"
    send("PUT", "/books/9", "{\"title\":\"The Dispossessed\",\"author\":\"Ursula K. Le Guin\"}");
    HttpResponse<String> after = get("/books/by-author/Ursula%20K.%20Le%20Guin");
    assertThat(cacheHeader(after)).isEqualTo("MISS");
    assertThat(after.body()).contains("\"title\":\"The Dispossessed\"");
    assertThat(repository.reads() - before).isEqualTo(2);
    send("DELETE", "/books/9", null);
  }

  @Test
  void aBookWithoutATitleIsRefusedWithTheReasonAndNotCached() throws Exception {
    int before = repository.reads();
    HttpResponse<String> refused = send("PUT", "/books/8", "{\"author\":\"Nobody\"}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("a book needs a title and an author");

    HttpResponse<String> missing = get("/books/8");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(cacheHeader(missing)).isEqualTo("MISS");
    assertThat(repository.reads() - before).isEqualTo(1);
  }
}
