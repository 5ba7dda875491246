package io.inkv.hibernate;

import jakarta.persistence.Cacheable;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.Version;
import java.util.ArrayList;
import java.util.List;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;
import org.hibernate.annotations.NaturalId;
import org.hibernate.annotations.NaturalIdCache;
import org.hibernate.cache.spi.access.AccessType;

/**
 * The test model: one book entity per access strategy, each with a cached natural id (isbn) and a
 * cached element collection (tags), plus an uncached note.
 */
final class Books {
  private Books() {}

  static final List<Class<?>> ENTITIES = List.of(ReadOnlyBook.class, NonstrictBook.class, ReadWriteBook.class,
      TransactionalBook.class, Note.class, Author.class);

  static Class<? extends Book> entity(AccessType type) {
    return switch (type) {
      case READ_ONLY -> ReadOnlyBook.class;
      case NONSTRICT_READ_WRITE -> NonstrictBook.class;
      case READ_WRITE -> ReadWriteBook.class;
      case TRANSACTIONAL -> TransactionalBook.class;
    };
  }

  static Book newBook(AccessType type, long id, String isbn, String title) {
    try {
      Book b = entity(type).getDeclaredConstructor().newInstance();
      b.setId(id);
      b.setIsbn(isbn);
      b.setTitle(title);
      b.getTags().add("tag-" + id);
      return b;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What every book has. */
  interface Book {
    Long getId();

    void setId(Long id);

    void setIsbn(String isbn);

    String getTitle();

    void setTitle(String title);

    long getCount();

    void setCount(long count);

    List<String> getTags();
  }

  @Entity(name = "ReadOnlyBook")
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.READ_ONLY)
  @NaturalIdCache
  public static class ReadOnlyBook implements Book {
    @Id Long id;
    @NaturalId String isbn;
    String title;
    long count;
    @ElementCollection(fetch = FetchType.LAZY)
    @Cache(usage = CacheConcurrencyStrategy.READ_ONLY)
    List<String> tags = new ArrayList<>();

    @Override public Long getId() { return id; }
    @Override public void setId(Long id) { this.id = id; }
    @Override public void setIsbn(String isbn) { this.isbn = isbn; }
    @Override public String getTitle() { return title; }
    @Override public void setTitle(String title) { this.title = title; }
    @Override public long getCount() { return count; }
    @Override public void setCount(long count) { this.count = count; }
    @Override public List<String> getTags() { return tags; }
  }

  @Entity(name = "NonstrictBook")
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.NONSTRICT_READ_WRITE)
  @NaturalIdCache
  public static class NonstrictBook implements Book {
    @Id Long id;
    @NaturalId String isbn;
    String title;
    long count;
    @Version int version;
    @ElementCollection(fetch = FetchType.LAZY)
    @Cache(usage = CacheConcurrencyStrategy.NONSTRICT_READ_WRITE)
    List<String> tags = new ArrayList<>();

    @Override public Long getId() { return id; }
    @Override public void setId(Long id) { this.id = id; }
    @Override public void setIsbn(String isbn) { this.isbn = isbn; }
    @Override public String getTitle() { return title; }
    @Override public void setTitle(String title) { this.title = title; }
    @Override public long getCount() { return count; }
    @Override public void setCount(long count) { this.count = count; }
    @Override public List<String> getTags() { return tags; }
  }

  @Entity(name = "ReadWriteBook")
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
  @NaturalIdCache
  public static class ReadWriteBook implements Book {
    @Id Long id;
    @NaturalId String isbn;
    String title;
    long count;
    @Version int version;
    @ElementCollection(fetch = FetchType.LAZY)
    @Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
    List<String> tags = new ArrayList<>();

    @Override public Long getId() { return id; }
    @Override public void setId(Long id) { this.id = id; }
    @Override public void setIsbn(String isbn) { this.isbn = isbn; }
    @Override public String getTitle() { return title; }
    @Override public void setTitle(String title) { this.title = title; }
    @Override public long getCount() { return count; }
    @Override public void setCount(long count) { this.count = count; }
    @Override public List<String> getTags() { return tags; }
  }

  @Entity(name = "TransactionalBook")
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.TRANSACTIONAL)
  @NaturalIdCache
  public static class TransactionalBook implements Book {
    @Id Long id;
    @NaturalId String isbn;
    String title;
    long count;
    @Version int version;
    @ElementCollection(fetch = FetchType.LAZY)
    @Cache(usage = CacheConcurrencyStrategy.TRANSACTIONAL)
    List<String> tags = new ArrayList<>();

    @Override public Long getId() { return id; }
    @Override public void setId(Long id) { this.id = id; }
    @Override public void setIsbn(String isbn) { this.isbn = isbn; }
    @Override public String getTitle() { return title; }
    @Override public void setTitle(String title) { this.title = title; }
    @Override public long getCount() { return count; }
    @Override public void setCount(long count) { this.count = count; }
    @Override public List<String> getTags() { return tags; }
  }

  /** Marked cacheable the JPA way only: cached with the region factory's default access type. */
  @Entity(name = "Author")
  @Cacheable
  public static class Author {
    @Id Long id;
    String name;

    public Author() {}

    Author(Long id, String name) {
      this.id = id;
      this.name = name;
    }
  }

  /** Not marked cacheable: cached only under shared-cache-mode ALL. */
  @Entity(name = "Note")
  public static class Note {
    @Id Long id;
    String text;

    public Note() {}

    Note(Long id, String text) {
      this.id = id;
      this.text = text;
    }
  }
}
