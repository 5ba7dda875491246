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
 *   list10rec  the data of list10 as a record: a record of ten records of the six fields
 *   map10rec   the data of map10 as a record: ten String names and ten long counts
 *
 * The last two are the baselines of the List and the Map: what the same data costs in the
 * generated layout, so that a collection's own cost is its ratio to them (the record shape is the
 * baseline of the one-object shapes).
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
  MAP10(Map.class),
  LIST10REC(TenRecs.class),
  MAP10REC(TenCounters.class);

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
      case MAP10: {
        Map<String, Long> map = new HashMap<>();
        for (int i = 0; i < 10; i++) {
          map.put("counter-" + i, entry * 10 + i + version);
        }
        return map;
      }
      case LIST10REC: {
        Rec[] r = new Rec[10];
        for (int i = 0; i < 10; i++) {
          r[i] = new Rec(q + i, entry * 10 + i, price + i, symbol, venue, open);
        }
        return new TenRecs(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
      }
      default: {
        long c = entry * 10 + version;
        return new TenCounters("counter-0", c, "counter-1", c + 1, "counter-2", c + 2, "counter-3", c + 3,
            "counter-4", c + 4, "counter-5", c + 5, "counter-6", c + 6, "counter-7", c + 7, "counter-8", c + 8,
            "counter-9", c + 9);
      }
    }
  }

  public record TenRecs(Rec r0, Rec r1, Rec r2, Rec r3, Rec r4, Rec r5, Rec r6, Rec r7, Rec r8, Rec r9)
      implements Serializable {}

  public record TenCounters(String n0, long c0, String n1, long c1, String n2, long c2, String n3, long c3,
      String n4, long c4, String n5, long c5, String n6, long c6, String n7, long c7, String n8, long c8,
      String n9, long c9) implements Serializable {}

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
