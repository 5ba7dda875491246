package io.inkv.hibernate;

import io.inkv.store.codec.Codec;
import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.LittleEndian;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.cache.internal.CacheKeyImplementation;
import org.hibernate.cache.internal.NaturalIdCacheKey;
import org.hibernate.cache.spi.QueryKey;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;

/*
 * The byte format of Hibernate's cache keys and entries (docs/hibernate.md, "Codec format").
 *
 * Every value is one tag byte and a body; containers (arrays, lists, Hibernate's entries and keys)
 * hold tagged values, so a disassembled entity state [Long 7, "Ada", Integer 36, null] is
 * 1 + 1 + 9 + 5 + 5 + 1 = 22 bytes of body, where Java serialization writes several hundred bytes of
 * class descriptors and field names. Numbers are fixed-width little-endian (no varints: decoding
 * them is a branch per byte); lengths are varints (almost always one byte).
 *
 * Keys are compared by their bytes, so the format is deterministic: equal values give equal bytes
 * (no identity hash codes, no iteration order of hash sets except QueryKey's filter names, which
 * Hibernate itself keeps as an array).
 *
 * Anything not listed is Java-serialized behind tag SERIALIZED, so every Serializable value
 * Hibernate hands over round-trips; the tagged types are simply faster. Tags are part of the
 * on-disk format of persistent regions: add, never renumber.
 *
 * Reference cache entries (an entity instance, hibernate.cache.use_reference_entries) are never
 * encoded: a region keeps them on the heap and stores a REFERENCE marker naming the instance
 * (see ReferenceEntries); asked to encode one, this format refuses it, naming the way out.
 */
final class EntryFormat {
  static final byte NULL = 0;
  static final byte STRING = 1;
  static final byte LONG = 2;
  static final byte INT = 3;
  static final byte SHORT = 4;
  static final byte BYTE = 5;
  static final byte TRUE = 6;
  static final byte FALSE = 7;
  static final byte DOUBLE = 8;
  static final byte FLOAT = 9;
  static final byte CHAR = 10;
  static final byte BIG_DECIMAL = 11;
  static final byte BIG_INTEGER = 12;
  static final byte UUID_TAG = 13;
  static final byte BYTES = 14;
  static final byte CHARS = 15;
  static final byte OBJECT_ARRAY = 16;
  static final byte SERIALIZABLE_ARRAY = 17;
  static final byte ARRAY_LIST = 18;
  static final byte UTIL_DATE = 19;
  static final byte SQL_TIMESTAMP = 20;
  static final byte SQL_DATE = 21;
  static final byte SQL_TIME = 22;
  static final byte INSTANT = 23;
  static final byte LOCAL_DATE = 24;
  static final byte LOCAL_TIME = 25;
  static final byte LOCAL_DATE_TIME = 26;
  static final byte OFFSET_DATE_TIME = 27;
  static final byte DURATION = 28;
  static final byte ENUM = 29;
  static final byte UNFETCHED = 30;
  static final byte UNKNOWN_BACKREF = 31;

  static final byte ENTITY_ENTRY = 40;
  static final byte COLLECTION_ENTRY = 41;
  static final byte QUERY_RESULTS = 42;
  static final byte RW_ITEM = 43;
  static final byte REFERENCE = 44;

  static final byte BASIC_KEY = 50;
  static final byte KEY = 51;
  static final byte NATURAL_ID_KEY = 52;
  static final byte QUERY_KEY = 53;

  static final byte SERIALIZED = 127;

  private static final ThreadLocal<ByteOutput> OUTPUT = ThreadLocal.withInitial(() -> new ByteOutput(256));

  private final ClassLoader classLoader;
  private final ConcurrentHashMap<String, Class<?>> classes = new ConcurrentHashMap<>();

  EntryFormat(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  /** Returns this thread's reusable output, emptied. Not reentrant: one encoding at a time. */
  static ByteOutput output() {
    ByteOutput out = OUTPUT.get();
    out.position(0);
    return out;
  }

  byte[] encode(Object value) {
    ByteOutput out = output();
    write(out, value);
    return out.toByteArray();
  }

  Object decode(byte[] bytes, int offset, int length) {
    Input in = new Input(bytes, offset, offset + length);
    Object value;
    try {
      value = read(in);
    } catch (Codec.DecodeException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // bytes that are not this format (a wrong type where a constructor wants another, say)
      throw new Codec.DecodeException("a malformed Hibernate cache value: " + e, e);
    }
    if (in.pos != in.end) {
      throw new Codec.DecodeException("a Hibernate cache value ended at byte " + (in.pos - offset) + " of " + length);
    }
    return value;
  }

  // ---- writing

  void write(ByteOutput out, Object v) {
    if (v == null) {
      out.writeByte(NULL);
      return;
    }
    Class<?> c = v.getClass();
    if (c == String.class) {
      out.writeByte(STRING);
      out.writeString((String) v);
    } else if (c == Long.class) {
      out.writeByte(LONG);
      out.writeLong((Long) v);
    } else if (c == Integer.class) {
      out.writeByte(INT);
      out.writeInt((Integer) v);
    } else if (c == StandardCacheEntryImpl.class && HibernateTypes.ENTITY_ENTRIES) {
      StandardCacheEntryImpl e = (StandardCacheEntryImpl) v;
      out.writeByte(ENTITY_ENTRY);
      out.writeString(e.getSubclass());
      write(out, e.getVersion());
      writeArrayBody(out, e.getDisassembledState());
    } else if (c == BasicCacheKeyImplementation.class) {
      BasicCacheKeyImplementation k = (BasicCacheKeyImplementation) v;
      out.writeByte(BASIC_KEY);
      out.writeString(k.getEntityOrRoleName());
      write(out, k.getId());
    } else if (c == Object[].class || c == Serializable[].class) {
      out.writeByte(c == Object[].class ? OBJECT_ARRAY : SERIALIZABLE_ARRAY);
      writeArrayBody(out, (Object[]) v);
    } else if (c == Boolean.class) {
      out.writeByte((Boolean) v ? TRUE : FALSE);
    } else if (c == Short.class) {
      out.writeByte(SHORT);
      out.writeShort((Short) v);
    } else if (c == Byte.class) {
      out.writeByte(BYTE);
      out.writeByte((Byte) v);
    } else if (c == Double.class) {
      out.writeByte(DOUBLE);
      out.writeLong(Double.doubleToRawLongBits((Double) v));
    } else if (c == Float.class) {
      out.writeByte(FLOAT);
      out.writeInt(Float.floatToRawIntBits((Float) v));
    } else if (c == Character.class) {
      out.writeByte(CHAR);
      out.writeShort((short) ((Character) v).charValue());
    } else if (c == BigDecimal.class) {
      BigDecimal d = (BigDecimal) v;
      out.writeByte(BIG_DECIMAL);
      out.writeInt(d.scale());
      out.writeSized(d.unscaledValue().toByteArray());
    } else if (c == BigInteger.class) {
      out.writeByte(BIG_INTEGER);
      out.writeSized(((BigInteger) v).toByteArray());
    } else if (c == UUID.class) {
      UUID u = (UUID) v;
      out.writeByte(UUID_TAG);
      out.writeLong(u.getMostSignificantBits());
      out.writeLong(u.getLeastSignificantBits());
    } else if (c == byte[].class) {
      out.writeByte(BYTES);
      out.writeSized((byte[]) v);
    } else if (c == char[].class) {
      out.writeByte(CHARS);
      out.writeString(new String((char[]) v));
    } else if (c == ArrayList.class) {
      List<?> list = (List<?>) v;
      out.writeByte(ARRAY_LIST);
      out.writeVarInt(list.size());
      for (Object element : list) {
        write(out, element);
      }
    } else if (c == java.util.Date.class) {
      out.writeByte(UTIL_DATE);
      out.writeLong(((java.util.Date) v).getTime());
    } else if (c == java.sql.Timestamp.class) {
      java.sql.Timestamp t = (java.sql.Timestamp) v;
      out.writeByte(SQL_TIMESTAMP);
      out.writeLong(t.getTime());
      out.writeInt(t.getNanos());
    } else if (c == java.sql.Date.class) {
      out.writeByte(SQL_DATE);
      out.writeLong(((java.sql.Date) v).getTime());
    } else if (c == java.sql.Time.class) {
      out.writeByte(SQL_TIME);
      out.writeLong(((java.sql.Time) v).getTime());
    } else if (c == Instant.class) {
      Instant i = (Instant) v;
      out.writeByte(INSTANT);
      out.writeLong(i.getEpochSecond());
      out.writeInt(i.getNano());
    } else if (c == LocalDate.class) {
      out.writeByte(LOCAL_DATE);
      out.writeLong(((LocalDate) v).toEpochDay());
    } else if (c == LocalTime.class) {
      out.writeByte(LOCAL_TIME);
      out.writeLong(((LocalTime) v).toNanoOfDay());
    } else if (c == LocalDateTime.class) {
      LocalDateTime t = (LocalDateTime) v;
      out.writeByte(LOCAL_DATE_TIME);
      out.writeLong(t.toLocalDate().toEpochDay());
      out.writeLong(t.toLocalTime().toNanoOfDay());
    } else if (c == OffsetDateTime.class) {
      OffsetDateTime t = (OffsetDateTime) v;
      out.writeByte(OFFSET_DATE_TIME);
      out.writeLong(t.toLocalDate().toEpochDay());
      out.writeLong(t.toLocalTime().toNanoOfDay());
      out.writeInt(t.getOffset().getTotalSeconds());
    } else if (c == Duration.class) {
      Duration d = (Duration) v;
      out.writeByte(DURATION);
      out.writeLong(d.getSeconds());
      out.writeInt(d.getNano());
    } else if (v instanceof Enum<?> e) {
      out.writeByte(ENUM);
      out.writeString(e.getDeclaringClass().getName());
      out.writeString(e.name());
    } else if (c == CacheKeyImplementation.class) {
      CacheKeyImplementation k = (CacheKeyImplementation) v;
      out.writeByte(KEY);
      out.writeString(k.getEntityOrRoleName());
      writeNullableString(out, k.getTenantId());
      write(out, k.getId());
    } else if (c == NaturalIdCacheKey.class) {
      NaturalIdCacheKey k = (NaturalIdCacheKey) v;
      out.writeByte(NATURAL_ID_KEY);
      out.writeString(k.getEntityName());
      writeNullableString(out, k.getTenantId());
      write(out, k.getNaturalIdValues());
    } else if (c == CollectionCacheEntry.class && HibernateTypes.COLLECTION_ENTRIES) {
      out.writeByte(COLLECTION_ENTRY);
      write(out, invoke(HibernateTypes.COLLECTION_STATE, v));
    } else if (c == HibernateTypes.CACHE_ITEM && HibernateTypes.CACHE_ITEMS) {
      out.writeByte(QUERY_RESULTS);
      out.writeLong((Long) invoke(HibernateTypes.CACHE_ITEM_TIMESTAMP, v));
      List<?> results = (List<?>) invoke(HibernateTypes.CACHE_ITEM_RESULTS, v);
      out.writeVarInt(results.size());
      for (Object row : results) {
        write(out, row);
      }
    } else if (c == QueryKey.class && HibernateTypes.QUERY_KEYS && writeQueryKey(out, v)) {
      return;
    } else if (c == HibernateTypes.RW_ITEM && HibernateTypes.RW_ITEMS) {
      out.writeByte(RW_ITEM);
      out.writeLong((Long) invoke(HibernateTypes.RW_ITEM_TIMESTAMP, v));
      write(out, invoke(HibernateTypes.RW_ITEM_VERSION, v));
      write(out, invoke(HibernateTypes.RW_ITEM_VALUE, v));
    } else if (c == ReferenceEntries.Marker.class) {
      ReferenceEntries.Marker m = (ReferenceEntries.Marker) v;
      out.writeByte(REFERENCE);
      out.writeLong(m.origin());
      out.writeLong(m.sequence());
    } else if (v == HibernateTypes.UNFETCHED_PROPERTY) {
      out.writeByte(UNFETCHED);
    } else if (v == HibernateTypes.UNKNOWN_BACKREF) {
      out.writeByte(UNKNOWN_BACKREF);
    } else {
      out.writeByte(SERIALIZED);
      out.writeSized(serialize(v));
    }
  }

  private void writeArrayBody(ByteOutput out, Object[] values) {
    out.writeVarInt(values.length);
    for (Object value : values) {
      write(out, value);
    }
  }

  private static void writeNullableString(ByteOutput out, String s) {
    if (s == null) {
      out.writeVarInt(0);
    } else {
      out.writeVarInt(1);
      out.writeString(s);
    }
  }

  /** Writes a QueryKey whose parameter memento is Hibernate's own; returns false (writing nothing) otherwise. */
  private boolean writeQueryKey(ByteOutput out, Object key) {
    Object memento = invoke(HibernateTypes.QUERY_MEMENTO, key);
    if (memento == null || memento.getClass() != HibernateTypes.MEMENTO) {
      return false;
    }
    out.writeByte(QUERY_KEY);
    out.writeString((String) invoke(HibernateTypes.QUERY_SQL, key));
    writeArrayBody(out, (Object[]) invoke(HibernateTypes.MEMENTO_VALUES, memento));
    write(out, invoke(HibernateTypes.QUERY_FIRST_ROW, key));
    write(out, invoke(HibernateTypes.QUERY_MAX_ROWS, key));
    String[] filters = (String[]) invoke(HibernateTypes.QUERY_FILTERS, key);
    out.writeVarInt(filters.length);
    for (String f : filters) {
      out.writeString(f);
    }
    return true;
  }

  private static Object invoke(java.lang.invoke.MethodHandle getter, Object target) {
    try {
      return (Object) getter.invokeExact(target);
    } catch (Throwable e) {
      throw HibernateTypes.rethrow(e);
    }
  }

  private static byte[] serialize(Object v) {
    if (ReferenceEntries.isReferenceEntry(v)) {
      throw new IllegalArgumentException("inkv cannot encode a reference cache entry (" + v.getClass().getName()
          + ", hibernate.cache.use_reference_entries): it holds the entity instance itself; inkv's region factory"
          + " keeps such entries on the heap, and with hibernate-jcache they need a by-reference cache"
          + " (storeByValue false)");
    }
    if (!(v instanceof Serializable)) {
      throw new IllegalArgumentException("inkv cannot store a " + v.getClass().getName()
          + " in a Hibernate region: it is neither a type the Hibernate codec knows nor Serializable");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(v);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize a " + v.getClass().getName() + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  // ---- reading

  Object read(Input in) {
    byte tag = in.readByte();
    switch (tag) {
      case NULL: return null;
      case STRING: return in.readString();
      case LONG: return in.readLong();
      case INT: return in.readInt();
      case SHORT: return in.readShort();
      case BYTE: return in.readByte();
      case TRUE: return Boolean.TRUE;
      case FALSE: return Boolean.FALSE;
      case DOUBLE: return Double.longBitsToDouble(in.readLong());
      case FLOAT: return Float.intBitsToFloat(in.readInt());
      case CHAR: return (char) in.readShort();
      case BIG_DECIMAL: {
        int scale = in.readInt();
        return new BigDecimal(new BigInteger(in.readBytes()), scale);
      }
      case BIG_INTEGER: return new BigInteger(in.readBytes());
      case UUID_TAG: return new UUID(in.readLong(), in.readLong());
      case BYTES: return in.readBytes();
      case CHARS: return in.readString().toCharArray();
      case OBJECT_ARRAY: return readArray(in, new Object[in.readLength()]);
      case SERIALIZABLE_ARRAY: return readArray(in, new Serializable[in.readLength()]);
      case ARRAY_LIST: {
        int n = in.readLength();
        ArrayList<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(read(in));
        }
        return list;
      }
      case UTIL_DATE: return new java.util.Date(in.readLong());
      case SQL_TIMESTAMP: {
        java.sql.Timestamp t = new java.sql.Timestamp(in.readLong());
        t.setNanos(in.readInt());
        return t;
      }
      case SQL_DATE: return new java.sql.Date(in.readLong());
      case SQL_TIME: return new java.sql.Time(in.readLong());
      case INSTANT: return Instant.ofEpochSecond(in.readLong(), in.readInt());
      case LOCAL_DATE: return LocalDate.ofEpochDay(in.readLong());
      case LOCAL_TIME: return LocalTime.ofNanoOfDay(in.readLong());
      case LOCAL_DATE_TIME: return LocalDateTime.of(LocalDate.ofEpochDay(in.readLong()), LocalTime.ofNanoOfDay(in.readLong()));
      case OFFSET_DATE_TIME: {
        LocalDate date = LocalDate.ofEpochDay(in.readLong());
        LocalTime time = LocalTime.ofNanoOfDay(in.readLong());
        return OffsetDateTime.of(date, time, ZoneOffset.ofTotalSeconds(in.readInt()));
      }
      case DURATION: return Duration.ofSeconds(in.readLong(), in.readInt());
      case ENUM: return readEnum(in);
      case UNFETCHED: return HibernateTypes.UNFETCHED_PROPERTY;
      case UNKNOWN_BACKREF: return HibernateTypes.UNKNOWN_BACKREF;
      case ENTITY_ENTRY: {
        String subclass = in.readString();
        Object version = read(in);
        Serializable[] state = readArray(in, new Serializable[in.readLength()]);
        requireConstructor(HibernateTypes.NEW_ENTITY_ENTRY);
        try {
          return (Object) HibernateTypes.NEW_ENTITY_ENTRY.invokeExact(state, subclass, version);
        } catch (Throwable e) {
          throw HibernateTypes.rethrow(e);
        }
      }
      case COLLECTION_ENTRY: {
        Serializable state = (Serializable) read(in);
        requireConstructor(HibernateTypes.NEW_COLLECTION_ENTRY);
        try {
          return (Object) HibernateTypes.NEW_COLLECTION_ENTRY.invokeExact(state);
        } catch (Throwable e) {
          throw HibernateTypes.rethrow(e);
        }
      }
      case QUERY_RESULTS: {
        long timestamp = in.readLong();
        int n = in.readLength();
        ArrayList<Object> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          rows.add(read(in));
        }
        requireConstructor(HibernateTypes.NEW_CACHE_ITEM);
        try {
          return (Object) HibernateTypes.NEW_CACHE_ITEM.invokeExact(timestamp, (List<?>) rows);
        } catch (Throwable e) {
          throw HibernateTypes.rethrow(e);
        }
      }
      case RW_ITEM: {
        long timestamp = in.readLong();
        Object version = read(in);
        Object value = read(in);
        requireConstructor(HibernateTypes.NEW_RW_ITEM);
        try {
          return (Object) HibernateTypes.NEW_RW_ITEM.invokeExact(value, version, timestamp);
        } catch (Throwable e) {
          throw HibernateTypes.rethrow(e);
        }
      }
      case REFERENCE: return new ReferenceEntries.Marker(in.readLong(), in.readLong());
      case BASIC_KEY: {
        String name = in.readString();
        return HibernateTypes.basicKey((Serializable) requireId(read(in)), name);
      }
      case KEY: {
        String name = in.readString();
        String tenant = readNullableString(in);
        return HibernateTypes.key(requireId(read(in)), name, tenant);
      }
      case NATURAL_ID_KEY: {
        String name = in.readString();
        String tenant = readNullableString(in);
        return HibernateTypes.naturalIdKey(read(in), name, tenant);
      }
      case QUERY_KEY: {
        String sql = in.readString();
        Object[] parameters = readArray(in, new Object[in.readLength()]);
        Integer firstRow = (Integer) read(in);
        Integer maxRows = (Integer) read(in);
        String[] filters = new String[in.readLength()];
        for (int i = 0; i < filters.length; i++) {
          filters[i] = in.readString();
        }
        return HibernateTypes.queryKey(sql, parameters, firstRow, maxRows, filters);
      }
      case SERIALIZED: return deserialize(in.readBytes());
      default:
        throw new Codec.DecodeException("unknown tag " + tag + " at byte " + (in.pos - 1) + " of a Hibernate cache value");
    }
  }

  private static Object requireId(Object id) {
    if (id == null) {
      throw new Codec.DecodeException("a Hibernate cache key without an id");
    }
    return id;
  }

  private <T> T[] readArray(Input in, T[] array) {
    for (int i = 0; i < array.length; i++) {
      @SuppressWarnings("unchecked")
      T element = (T) read(in);
      array[i] = element;
    }
    return array;
  }

  private static String readNullableString(Input in) {
    return in.readVarInt() == 0 ? null : in.readString();
  }

  private Object readEnum(Input in) {
    String className = in.readString();
    String name = in.readString();
    Class<?> type = classes.computeIfAbsent(className, this::loadClass);
    if (!type.isEnum()) {
      throw new Codec.DecodeException(className + " in a Hibernate cache value is not an enum");
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    Object constant = Enum.valueOf((Class) type, name);
    return constant;
  }

  private Class<?> loadClass(String name) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    for (ClassLoader loader : new ClassLoader[] {classLoader, context, EntryFormat.class.getClassLoader()}) {
      if (loader == null) {
        continue;
      }
      try {
        return Class.forName(name, false, loader);
      } catch (ClassNotFoundException e) {
        // try the next loader
      }
    }
    throw new Codec.DecodeException("class " + name + " named in a Hibernate cache value cannot be loaded");
  }

  private static void requireConstructor(java.lang.invoke.MethodHandle constructor) {
    if (constructor == null) {
      throw new Codec.DecodeException("this Hibernate version cannot rebuild the cached entry (its class changed)");
    }
  }

  private Object deserialize(byte[] bytes) {
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new Codec.DecodeException("cannot deserialize a Hibernate cache value: " + e, e);
    }
  }

  private final class LoaderObjectInputStream extends ObjectInputStream {
    LoaderObjectInputStream(InputStream in) throws IOException {
      super(in);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return classes.computeIfAbsent(desc.getName(), EntryFormat.this::loadClass);
      } catch (Codec.DecodeException e) {
        return super.resolveClass(desc);
      }
    }
  }

  /** A cursor over encoded bytes. */
  static final class Input {
    final byte[] buf;
    int pos;
    final int end;

    Input(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    private void need(int n) {
      if (n < 0 || pos + n > end) {
        throw new Codec.DecodeException("a Hibernate cache value is truncated at byte " + pos);
      }
    }

    byte readByte() {
      need(1);
      return buf[pos++];
    }

    short readShort() {
      need(2);
      short v = LittleEndian.getShort(buf, pos);
      pos += 2;
      return v;
    }

    int readInt() {
      need(4);
      int v = LittleEndian.getInt(buf, pos);
      pos += 4;
      return v;
    }

    long readLong() {
      need(8);
      long v = LittleEndian.getLong(buf, pos);
      pos += 8;
      return v;
    }

    int readVarInt() {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        byte b = readByte();
        v |= (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new Codec.DecodeException("a malformed length in a Hibernate cache value at byte " + pos);
    }

    int readLength() {
      int n = readVarInt();
      if (n < 0 || n > end - pos) {
        throw new Codec.DecodeException("a length of " + n + " at byte " + pos + " passes the end of a Hibernate cache value");
      }
      return n;
    }

    byte[] readBytes() {
      int n = readLength();
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    String readString() {
      int n = readLength();
      String s = new String(buf, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }
  }
}
