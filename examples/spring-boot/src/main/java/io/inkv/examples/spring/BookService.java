package io.inkv.examples.spring;

import java.util.List;
import javax.cache.annotation.CacheResult;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.Caching;
import org.springframework.stereotype.Service;

/**
 * Books, cached in the inkv cache "books" (persistent: see application.properties), and the books
 * of each author in "by-author", through JSR-107's own {@code @CacheResult}: Spring runs both kinds
 * of annotation on the same inkv cache manager.
 */
@Service
public class BookService {
  private final BookRepository repository;

  public BookService(BookRepository repository) {
    this.repository = repository;
  }

  /**
   * Returns the book, from the cache when it is there. {@code sync = true}: when many threads ask
   * for a book that is not cached, one reads the repository and the others wait for its result.
   * A missing book is cached too (as a cached null), so asking again does not reach the repository.
   */
  @Cacheable(cacheNames = "books", sync = true)
  public Book find(long id) {
    return repository.find(id);
  }

  /**
   * Returns the books of {@code author}, from the cache "by-author" when they are there. A cache
   * that is neither persistent nor replicated keeps the very list the method returned (by
   * reference), so a hit costs no copy.
   */
  @CacheResult(cacheName = "by-author")
  public List<Book> byAuthor(String author) {
    return repository.byAuthor(author);
  }

  /** Saves the book and puts it in the cache, so the next {@link #find} does not read the repository. */
  @Caching(put = @CachePut(cacheNames = "books", key = "#book.id"),
      evict = @CacheEvict(cacheNames = "by-author", allEntries = true))
  public Book save(Book book) {
    return repository.save(book);
  }

  /** Deletes the book and drops it from the caches. */
  @Caching(evict = {@CacheEvict(cacheNames = "books", key = "#id"),
      @CacheEvict(cacheNames = "by-author", allEntries = true)})
  public void delete(long id) {
    repository.delete(id);
  }
}
