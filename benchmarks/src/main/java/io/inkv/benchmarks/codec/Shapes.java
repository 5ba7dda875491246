package io.inkv.benchmarks.codec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/*
 * The value shapes of ValueShapeBenchmark and CodecEngineBenchmark, each holding the same six
 * fields (int, long, double, two Strings, boolean) where it is one object:
 *
 *   record     a Java record
 *   bean       a JavaBean: private fields, no-argument constructor, setters
 *   immutable  private final fields and an all-arguments constructor (as Lombok's @Value writes)
 *   kotlin     the bytecode shape of a Kotlin data class: final fields, a constructor that checks
 *              its non-null parameters, getters, componentN(), copy()
 *   list10     an ArrayList of 10 immutable objects
 *   map10      a HashMap<String, Long> of 10 entries
 *
 * Every class is Serializable so that the peers' by-value copies (Java serialization) take them.
 * Values are a function of (entry, version), so population and puts make them on the fly.
 */
enum Shapes {
  RECORD(Rec.class),
  BEAN(Bean.class),
  IMMUTABLE(Immutable.class),
  KOTLIN(KotlinShaped.class),
  LIST10(List.class),
  MAP10(Map.class);

  final Class<?> type;

  Shapes(Class<?> type) {
    this.type = type;
  }

  static Shapes of(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }

  Object value(long entry, int version) {
    int q = (int) (entry % 1000) + version;
    double price = entry * 0.25 + version;
    String symbol = "SYM" + (entry % 9973);
    String venue = "VENUE-" + (entry % 97) + "-" + version;
    boolean open = (entry & 1) == 0;
    switch (this) {
      case RECORD:
        return new Rec(q, entry, price, symbol, venue, open);
      case BEAN: {
        Bean b = new Bean();
        b.setQuantity(q);
        b.setId(entry);
        b.setPrice(price);
        b.setSymbol(symbol);
        b.setVenue(venue);
        b.setOpen(open);
        return b;
      }
      case IMMUTABLE:
        return new Immutable(q, entry, price, symbol, venue, open);
      case KOTLIN:
        return new KotlinShaped(q, entry, price, symbol, venue, open);
      case LIST10: {
        List<Immutable> list = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
          list.add(new Immutable(q + i, entry * 10 + i, price + i, symbol, venue, open));
        }
        return list;
      }
      default: {
        Map<String, Long> map = new HashMap<>();
        for (int i = 0; i < 10; i++) {
          map.put("counter-" + i, entry * 10 + i + version);
        }
        return map;
      }
    }
  }

  public record Rec(int quantity, long id, double price, String symbol, String venue, boolean open)
      implements Serializable {}

  public static final class Bean implements Serializable {
    private static final long serialVersionUID = 1L;
    private int quantity;
    private long id;
    private double price;
    private String symbol;
    private String venue;
    private boolean open;

    public Bean() {}

    public void setQuantity(int quantity) {
      this.quantity = quantity;
    }

    public void setId(long id) {
      this.id = id;
    }

    public void setPrice(double price) {
      this.price = price;
    }

    public void setSymbol(String symbol) {
      this.symbol = symbol;
    }

    public void setVenue(String venue) {
      this.venue = venue;
    }

    public void setOpen(boolean open) {
      this.open = open;
    }

    public long getId() {
      return id;
    }
  }

  public static final class Immutable implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int quantity;
    private final long id;
    private final double price;
    private final String symbol;
    private final String venue;
    private final boolean open;

    public Immutable(int quantity, long id, double price, String symbol, String venue, boolean open) {
      this.quantity = quantity;
      this.id = id;
      this.price = price;
      this.symbol = symbol;
      this.venue = venue;
      this.open = open;
    }

    public long getId() {
      return id;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Immutable i && i.quantity == quantity && i.id == id && i.price == price
          && Objects.equals(i.symbol, symbol) && Objects.equals(i.venue, venue) && i.open == open;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id);
    }
  }

  public static final class KotlinShaped implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int quantity;
    private final long id;
    private final double price;
    private final String symbol;
    private final String venue;
    private final boolean open;

    public KotlinShaped(int quantity, long id, double price, String symbol, String venue, boolean open) {
      Objects.requireNonNull(symbol, "symbol");
      Objects.requireNonNull(venue, "venue");
      this.quantity = quantity;
      this.id = id;
      this.price = price;
      this.symbol = symbol;
      this.venue = venue;
      this.open = open;
    }

    public final int getQuantity() {
      return quantity;
    }

    public final long getId() {
      return id;
    }

    public final int component1() {
      return quantity;
    }

    public final long component2() {
      return id;
    }

    public final KotlinShaped copy(int quantity, long id, double price, String symbol, String venue, boolean open) {
      return new KotlinShaped(quantity, id, price, symbol, venue, open);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof KotlinShaped k && k.quantity == quantity && k.id == id && k.price == price
          && k.symbol.equals(symbol) && k.venue.equals(venue) && k.open == open;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id);
    }
  }
}
