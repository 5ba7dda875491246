package io.inkv.examples.spring;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Repository;

/** Stands in for a database: slow (by {@code example.repository.latency}), and it counts its calls. */
@Repository
public class BookRepository {
  private final Map<Long, Book> books = new ConcurrentHashMap<>(Map.of(
      1L, new Book(1, "Dune", "Frank Herbert"),
      2L, new Book(2, "The Left Hand of Darkness", "Ursula K. Le Guin"),
      3L, new Book(3, "Neuromancer", "William Gibson")));
  private final AtomicInteger reads = new AtomicInteger();
  private final Duration latency;

  public BookRepository(@Value("${example.repository.latency:0ms}") Duration latency) {
    this.latency = latency;
  }

  /** Returns the book, or {@code null} if there is none. */
  public Book find(long id) {
    query();
    return books.get(id);
  }

  /** A read of the "database": counted, and as slow as the latency says. */
  private void query() {
    reads.incrementAndGet();
    try {
      Thread.sleep(latency.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns the books of {@code author}, in the order of their ids. */
  public List<Book> byAuthor(String author) {
    query();
    return books.values().stream().filter(b -> b.author().equalsIgnoreCase(author))
        .sorted(Comparator.comparingLong(Book::id)).toList();
  }

  public Book save(Book book) {
    books.put(book.id(), book);
    return book;
  }

  public void delete(long id) {
    books.remove(id);
  }

  /** Returns how many reads reached the "database". */
  public int reads() {
    return reads.get();
  }
}
