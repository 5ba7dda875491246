package io.inkv.store.codec;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Value classes shaped as applications write them, and as Lombok and the Kotlin compiler generate them. */
final class ValueShapes {
  private ValueShapes() {}

  /** The six-field immutable class: final fields, an all-arguments constructor, no setters. */
  static final class Trade implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int quantity;
    private final long id;
    private final double price;
    private final String symbol;
    private final String venue;
    private final boolean open;

    Trade(int quantity, long id, double price, String symbol, String venue, boolean open) {
      this.quantity = quantity;
      this.id = id;
      this.price = price;
      this.symbol = symbol;
      this.venue = venue;
      this.open = open;
    }

    String symbol() {
      return symbol;
    }

    String venue() {
      return venue;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Trade t && t.quantity == quantity && t.id == id && Double.compare(t.price, price) == 0
          && Objects.equals(t.symbol, symbol) && Objects.equals(t.venue, venue) && t.open == open;
    }

    @Override
    public int hashCode() {
      return Objects.hash(quantity, id, price, symbol, venue, open);
    }

    @Override
    public String toString() {
      return "Trade[" + quantity + "," + id + "," + price + "," + symbol + "," + venue + "," + open + "]";
    }
  }

  /*
   * What the Kotlin compiler emits for
   *   data class Account(val id: Long, val name: String, val email: String?, val active: Boolean)
   * private final fields, a public constructor that checks non-null parameters first (Kotlin's
   * Intrinsics.checkNotNullParameter, here Objects.requireNonNull), getters, componentN(), copy(),
   * and a synthetic defaults constructor with a bit mask and a marker (here a plain overload).
   */
  public static final class KotlinAccount {
    private final long id;
    private final String name;
    private final String email;
    private final boolean active;

    public KotlinAccount(long id, String name, String email, boolean active) {
      Objects.requireNonNull(name, "name");
      this.id = id;
      this.name = name;
      this.email = email;
      this.active = active;
    }

    public KotlinAccount(long id, String name, String email, boolean active, int mask, Object marker) {
      this(id, name, (mask & 4) != 0 ? null : email, (mask & 8) != 0 || active);
    }

    public final long getId() {
      return id;
    }

    public final String getName() {
      return name;
    }

    public final long component1() {
      return id;
    }

    public final String component2() {
      return name;
    }

    public final KotlinAccount copy(long id, String name, String email, boolean active) {
      return new KotlinAccount(id, name, email, active);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof KotlinAccount a && a.id == id && a.name.equals(name) && Objects.equals(a.email, email)
          && a.active == active;
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, name, email, active);
    }

    @Override
    public String toString() {
      return "KotlinAccount(id=" + id + ", name=" + name + ", email=" + email + ", active=" + active + ")";
    }
  }

  /* What Lombok emits for @Value class LombokPrice { String currency; long cents; List<String> tags; } */
  public static final class LombokPrice {
    private final String currency;
    private final long cents;
    private final List<String> tags;

    public LombokPrice(String currency, long cents, List<String> tags) {
      this.currency = currency;
      this.cents = cents;
      this.tags = tags;
    }

    public String getCurrency() {
      return currency;
    }

    public long getCents() {
      return cents;
    }

    public List<String> getTags() {
      return tags;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof LombokPrice p && p.cents == cents && Objects.equals(p.currency, currency)
          && Objects.equals(p.tags, tags);
    }

    @Override
    public int hashCode() {
      return Objects.hash(currency, cents, tags);
    }

    @Override
    public String toString() {
      return "LombokPrice(currency=" + currency + ", cents=" + cents + ", tags=" + tags + ")";
    }
  }

  /** A constructor whose parameters are in another order than the fields, and of the same type. */
  static final class Swapped {
    private final String first;
    private final String second;

    Swapped(String second, String first) {
      this.second = second;
      this.first = Objects.requireNonNull(first, "first");
    }

    String first() {
      return first;
    }

    String second() {
      return second;
    }
  }

  /** A constructor that computes a field: no codec may call it with stored values. */
  static final class Total implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int a;
    private final int b;
    private final int sum;

    Total(int a, int b) {
      this.a = a;
      this.b = b;
      this.sum = a + b;
    }

    int sum() {
      return sum;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Total t && t.a == a && t.b == b && t.sum == sum;
    }

    @Override
    public int hashCode() {
      return sum;
    }
  }

  /** A class that asked for its own serialized form. */
  static final class Custom implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String value;

    Custom(String value) {
      this.value = value;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Custom c && c.value.equals(value);
    }

    @Override
    public int hashCode() {
      return value.hashCode();
    }
  }

  /** A JavaBean. */
  public static final class Bean {
    private String name;
    private int age;
    private Map<String, Long> scores;

    public Bean() {}

    public void setName(String name) {
      this.name = name;
    }

    public void setAge(int age) {
      this.age = age;
    }

    public void setScores(Map<String, Long> scores) {
      this.scores = scores;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bean b && Objects.equals(b.name, name) && b.age == age && Objects.equals(b.scores, scores);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, age, scores);
    }
  }

  interface Shape {}

  record Circle(double radius) implements Shape {}

  static final class Square implements Shape {
    private final double side;

    Square(double side) {
      this.side = side;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Square s && s.side == side;
    }

    @Override
    public int hashCode() {
      return Double.hashCode(side);
    }
  }

  enum Status { ACTIVE, CLOSED }

  /** Nested values, collections, polymorphic fields, Optional and big numbers in one record. */
  record Order(long id, Trade trade, List<LombokPrice> prices, Map<String, Long> counts, Shape shape,
      List<Shape> shapes, Object anything, Optional<String> note, java.math.BigDecimal total,
      java.math.BigInteger big, Status status, int[] codes, String[] labels, java.util.Set<Status> flags) {}

  /** A mutable node, so a value can refer to itself. */
  static class Node {
    Node next;
    String name;
  }
}
