package io.inkv.benchmarks.hibernate;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.LocalDate;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/** The benchmark entity: a typical small row (id, two strings, a decimal, a number, a date, a version). */
@Entity(name = "BenchItem")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class BenchItem {
  @Id
  Long id;
  String name;
  String description;
  BigDecimal price;
  int stock;
  LocalDate added;
  @Version
  int version;

  public BenchItem() {}

  BenchItem(long id) {
    this.id = id;
    this.name = "item-" + id;
    this.description = "a benchmark item with a short description, number " + id;
    this.price = BigDecimal.valueOf(id * 7 + 99, 2);
    this.stock = (int) (id % 50);
    this.added = LocalDate.of(2024, 1, 1).plusDays(id % 365);
  }

  public String getName() {
    return name;
  }
}
