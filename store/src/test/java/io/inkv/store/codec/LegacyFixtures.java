package io.inkv.store.codec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Types whose bytes, as the codec wrote them before schemas were stored, are kept in {@link StoredFormatTest}. */
final class LegacyFixtures {
  private LegacyFixtures() {}

  record Book(long id, String title, int pages, Integer score, List<String> tags) {}

  /** A value object nested in {@link Order}: written with its own schema trailer before 2026-12-07. */
  record Line(String sku, int quantity, Book book) {}

  record Order(long id, Line first, Line second, Line none) {}

  static final class Bean {
    private int count;
    private String name;
    private ArrayList<String> items;

    Bean() {}

    Bean(int count, String name, ArrayList<String> items) {
      this.count = count;
      this.name = name;
      this.items = items;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bean b && b.count == count && Objects.equals(b.name, name) && Objects.equals(b.items, items);
    }

    @Override
    public int hashCode() {
      return Objects.hash(count, name, items);
    }
  }

  static final class Price implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String currency;
    private final long cents;

    Price(String currency, long cents) {
      this.currency = currency;
      this.cents = cents;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Price p && p.cents == cents && p.currency.equals(currency);
    }

    @Override
    public int hashCode() {
      return Objects.hash(currency, cents);
    }
  }

  static Order order() {
    return new Order(42, new Line("a-1", 3, book()), new Line("b-2", 1, null), null);
  }

  static Book book() {
    return new Book(7, "Emma", 474, null, List.of("novel", "austen"));
  }

  static Bean bean() {
    return new Bean(3, "three", new ArrayList<>(List.of("a", "b")));
  }

  static Price price() {
    return new Price("EUR", 1999);
  }
}
