package io.inkv.examples.spring;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/** Books, cached in the inkv cache "books" (persistent: see application.properties). */
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

  /** Saves the book and puts it in the cache, so the next {@link #find} does not read the repository. */
  @CachePut(cacheNames = "books", key = "#book.id")
  public Book save(Book book) {
    return repository.save(book);
  }

  /** Deletes the book and drops it from the cache. */
  @CacheEvict(cacheNames = "books", key = "#id")
  public void delete(long id) {
    repository.delete(id);
  }
}
