package io.inkv.examples.spring;

import java.util.List;
import java.util.Locale;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Books over HTTP, through the cached {@link BookService}. Every {@code GET} says what the cache
 * did: {@code X-Cache: HIT} when the book (or the fact that there is none) was cached when the
 * request came, {@code MISS} when the repository had to be read; {@code Server-Timing} gives the
 * time the lookup took ({@code find;dur=201.2}, in milliseconds).
 */
@RestController
@RequestMapping("/books")
public class BookController {
  private final BookService books;
  private final Cache cache;
  private final Cache byAuthor;

  public BookController(BookService books, CacheManager cacheManager) {
    this.books = books;
    this.cache = cacheManager.getCache("books");
    this.byAuthor = cacheManager.getCache("by-author");
  }

  /** The book, or 404 if there is none. */
  @GetMapping("/{id}")
  public ResponseEntity<Book> find(@PathVariable long id) {
    boolean cached = cache.get(id) != null; // a cached "no such book" counts: it is a wrapped null
    long start = System.nanoTime();
    Book book = books.find(id);
    double millis = (System.nanoTime() - start) / 1e6;
    return ResponseEntity.status(book == null ? 404 : 200)
        .header("X-Cache", cached ? "HIT" : "MISS")
        .header("Server-Timing", String.format(Locale.ROOT, "find;dur=%.3f", millis))
        .body(book);
  }

  /** The books of an author ({@code /books/by-author/Frank%20Herbert}), with the same headers as {@code find}. */
  @GetMapping("/by-author/{author}")
  public ResponseEntity<List<Book>> byAuthor(@PathVariable String author) {
    boolean cached = byAuthor.get(author) != null;
    long start = System.nanoTime();
    List<Book> found = books.byAuthor(author);
    double millis = (System.nanoTime() - start) / 1e6;
    return ResponseEntity.ok()
        .header("X-Cache", cached ? "HIT" : "MISS")
        .header("Server-Timing", String.format(Locale.ROOT, "byAuthor;dur=%.3f", millis))
        .body(found);
  }

  /** What a {@code PUT} sends: {@code {"title": "...", "author": "..."}}. */
  public record BookFields(String title, String author) {}

  /** Saves the book under {@code id}; the cache holds it at once. */
  @PutMapping("/{id}")
  public Book save(@PathVariable long id, @RequestBody BookFields fields) {
    if (fields.title() == null || fields.title().isBlank() || fields.author() == null || fields.author().isBlank()) {
      throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "a book needs a title and an author: "
          + "{\"title\": \"...\", \"author\": \"...\"}");
    }
    return books.save(new Book(id, fields.title(), fields.author()));
  }

  /** Deletes the book; the cache forgets it. */
  @DeleteMapping("/{id}")
  public ResponseEntity<Void> delete(@PathVariable long id) {
    books.delete(id);
    return ResponseEntity.noContent().build();
  }
}
