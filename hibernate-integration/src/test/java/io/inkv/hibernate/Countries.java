package io.inkv.hibernate;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import java.util.List;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;
import org.hibernate.annotations.Immutable;
import org.hibernate.cache.spi.access.AccessType;

/**
 * The reference-entries model: one immutable country entity per access strategy (no associations,
 * so Hibernate may cache it by reference), a mutable city, and an immutable capital that refers to
 * its city (an association, so Hibernate caches it by value).
 */
final class Countries {
  private Countries() {}

  static final List<Class<?>> ENTITIES = List.of(ReadOnlyCountry.class, NonstrictCountry.class,
      ReadWriteCountry.class, TransactionalCountry.class, City.class, Capital.class);

  static Class<? extends Country> entity(AccessType type) {
    return switch (type) {
      case READ_ONLY -> ReadOnlyCountry.class;
      case NONSTRICT_READ_WRITE -> NonstrictCountry.class;
      case READ_WRITE -> ReadWriteCountry.class;
      case TRANSACTIONAL -> TransactionalCountry.class;
    };
  }

  static Country newCountry(AccessType type, long id, String name) {
    try {
      Country c = entity(type).getDeclaredConstructor().newInstance();
      c.set(id, name);
      return c;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What every country has. */
  interface Country {
    Long getId();

    String getName();

    void set(Long id, String name);
  }

  @Entity(name = "ReadOnlyCountry")
  @Immutable
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.READ_ONLY)
  public static class ReadOnlyCountry implements Country {
    @Id Long id;
    String name;

    @Override public Long getId() { return id; }
    @Override public String getName() { return name; }
    @Override public void set(Long id, String name) { this.id = id; this.name = name; }
  }

  @Entity(name = "NonstrictCountry")
  @Immutable
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.NONSTRICT_READ_WRITE)
  public static class NonstrictCountry implements Country {
    @Id Long id;
    String name;

    @Override public Long getId() { return id; }
    @Override public String getName() { return name; }
    @Override public void set(Long id, String name) { this.id = id; this.name = name; }
  }

  @Entity(name = "ReadWriteCountry")
  @Immutable
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
  public static class ReadWriteCountry implements Country {
    @Id Long id;
    String name;

    @Override public Long getId() { return id; }
    @Override public String getName() { return name; }
    @Override public void set(Long id, String name) { this.id = id; this.name = name; }
  }

  @Entity(name = "TransactionalCountry")
  @Immutable
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.TRANSACTIONAL)
  public static class TransactionalCountry implements Country {
    @Id Long id;
    String name;

    @Override public Long getId() { return id; }
    @Override public String getName() { return name; }
    @Override public void set(Long id, String name) { this.id = id; this.name = name; }
  }

  /** Mutable: cached by value whatever the setting says. */
  @Entity(name = "City")
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
  public static class City {
    @Id Long id;
    String name;

    public City() {}

    City(Long id, String name) {
      this.id = id;
      this.name = name;
    }

    String getName() {
      return name;
    }
  }

  /** Immutable, but it refers to another entity: Hibernate caches it by value. */
  @Entity(name = "Capital")
  @Immutable
  @Cacheable
  @Cache(usage = CacheConcurrencyStrategy.READ_ONLY)
  public static class Capital {
    @Id Long id;
    String name;
    @ManyToOne City city;

    public Capital() {}

    Capital(Long id, String name, City city) {
      this.id = id;
      this.name = name;
      this.city = city;
    }

    String getName() {
      return name;
    }

    City getCity() {
      return city;
    }
  }
}
