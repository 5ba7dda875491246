package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.Region;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/*
 * The tagged format: any tree of values, each node a tag byte and a body, self-delimiting, so a
 * value needs no Java serialization unless one of its classes asked for it. AnyCodec writes it
 * after tag 20; it carries the JDK shapes the generated layout does not:
 *
 *   0 null | 1-18 the built-in types (String, byte[] and ZonedDateTime with a varint length,
 *   the others at their fixed width) | 19 an object in its generated layout: class definition,
 *   varint length, the layout's bytes | 21 enum: class name, constant name | 22 BigInteger:
 *   sized two's-complement bytes | 23 BigDecimal: int32 scale, sized unscaled bytes |
 *   24 Optional.empty() | 25 Optional.of: node | 26 list, 27 set, 28 map: kind byte, then (for the
 *   by-class kind) the class name, then the elements | 29 object array: component class name,
 *   elements | 30 primitive array: component code, varint length, little-endian elements |
 *   31 EnumSet: enum class name, varint count, constant names | 127 Java serialization: sized
 *   ObjectOutputStream bytes (classes with writeObject/readObject/writeReplace/readResolve or
 *   Externalizable, reported once per class)
 *
 * Elements (of a collection, an array, a map's keys, a map's values) are a sequence: a mode byte,
 * 0 = each element is a node, 1 = every non-null element is an object of one generated class,
 * whose definition (class name, sized schema) follows once; then varint count and per element a
 * varint (0 null, else 1 + length) and the layout's bytes. A List of ten Books names Book once.
 *
 * Canonical bytes: hash-ordered sets and maps (HashSet, HashMap, Set.of, Map.of,
 * ConcurrentHashMap, ...) are written with their elements (entries) sorted by their encoded
 * bytes, so equal keys give equal bytes whatever their insertion history. Sorted and
 * insertion-ordered collections keep their order, which is part of their value.
 *
 * Which collections and maps have a kind, and what each decodes to: CollectionKinds.
 *
 * Every node, objects' layouts included, is written straight into the one buffer of the value
 * (EncodeBuffer), with no array per element (only big numbers, ZonedDateTime, non-ASCII text and
 * Java serialization make one). A layout's varint length is reserved as one byte and patched in
 * after it (ByteOutput.endSized), the layout moved up in the rare case its length takes more; a
 * hash-ordered container's items are copied past the end of the buffer in sorted order and back
 * over where they were written.
 *
 * A decode checks every length against the bytes left and every count against the bytes it would
 * need, and throws nothing but Codec.DecodeException.
 */
final class TaggedFormat {
  static final byte NULL = 0;
  static final byte OBJECT = 19;
  static final byte ENUM = 21;
  static final byte BIG_INTEGER = 22;
  static final byte BIG_DECIMAL = 23;
  static final byte OPTIONAL_EMPTY = 24;
  static final byte OPTIONAL = 25;
  static final byte LIST = 26;
  static final byte SET = 27;
  static final byte MAP = 28;
  static final byte ARRAY = 29;
  static final byte PRIMITIVE_ARRAY = 30;
  static final byte ENUM_SET = 31;
  static final byte SERIALIZED = 127;

  // collection kinds
  private static final int MAX_DEPTH = 200;
  private static final Object NOT_LAYOUT = new Object();

  private final ClassLoader classLoader;
  private final ConcurrentHashMap<Class<?>, Object> layoutCodecs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Class<?>> classes = new ConcurrentHashMap<>();
  private final KnownName[] knownNames = new KnownName[64];
  private final ConcurrentHashMap<Class<?>, Map<String, Object>> enumConstants = new ConcurrentHashMap<>();

  TaggedFormat(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  // ---------------------------------------------------------------- writing

  void write(ByteOutput out, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("a value nests more than " + MAX_DEPTH + " levels deep, or holds itself (a"
          + " cycle): inkv's codec writes trees of values, not graphs");
    }
    if (value == null) {
      out.writeByte(NULL);
      return;
    }
    Class<?> c = value.getClass();
    Byte tag = AnyCodec.builtinTag(c);
    if (tag != null) {
      writeBuiltin(out, tag, value);
      return;
    }
    if (value instanceof Enum<?> e) {
      out.writeByte(ENUM);
      out.writeString(e.getDeclaringClass().getName());
      out.writeString(e.name());
      return;
    }
    LayoutCodec<?> layout = layoutCodec(c);
    if (layout != null) {
      out.writeByte(OBJECT);
      writeClassDef(out, c, layout);
      int start = out.beginSized();
      layout.writeBody(out, value);
      out.endSized(start, 0);
      return;
    }
    if (c == BigInteger.class) {
      out.writeByte(BIG_INTEGER);
      out.writeSized(((BigInteger) value).toByteArray());
    } else if (c == BigDecimal.class) {
      BigDecimal d = (BigDecimal) value;
      out.writeByte(BIG_DECIMAL);
      out.writeInt(d.scale());
      out.writeSized(d.unscaledValue().toByteArray());
    } else if (c == Optional.class) {
      Optional<?> o = (Optional<?>) value;
      if (o.isEmpty()) {
        out.writeByte(OPTIONAL_EMPTY);
      } else {
        out.writeByte(OPTIONAL);
        write(out, o.get(), depth + 1);
      }
    } else if (c.isArray()) {
      writeArray(out, value, c, depth);
    } else if (value instanceof EnumSet<?> set) {
      writeEnumSet(out, set);
    } else if (value instanceof Collection<?> coll && CollectionKinds.of(coll) >= 0) {
      int kind = CollectionKinds.of(coll);
      out.writeByte(value instanceof Set ? SET : LIST);
      out.writeByte(kind);
      if (kind == CollectionKinds.K_BY_CLASS) {
        out.writeString(c.getName());
      }
      writeSequence(out, coll, coll.size(), CollectionKinds.unordered(coll), depth);
    } else if (value instanceof Map<?, ?> map && CollectionKinds.of(map) >= 0) {
      int kind = CollectionKinds.of(map);
      out.writeByte(MAP);
      out.writeByte(kind);
      if (kind == CollectionKinds.K_BY_CLASS) {
        out.writeString(c.getName());
      }
      writeMap(out, map, CollectionKinds.unordered(map), depth);
    } else {
      out.writeByte(SERIALIZED);
      out.writeSized(SerializingCodec.write(value));
    }
  }

  private void writeBuiltin(ByteOutput out, byte tag, Object value) {
    out.writeByte(tag);
    switch (tag) {
      case 1 -> out.writeString((String) value);
      case 2 -> out.writeSized((byte[]) value);
      case 7 -> out.writeInt((Integer) value);
      case 8 -> out.writeLong((Long) value);
      case 18 -> out.writeSized(BuiltinCodec.ZONED_DATE_TIME.encode((java.time.ZonedDateTime) value));
      default -> InPlaceCodec.encodeInto(AnyCodec.builtin(tag), out, value);
    }
  }

  private void writeClassDef(ByteOutput out, Class<?> c, LayoutCodec<?> layout) {
    out.writeString(c.getName());
    out.writeSized(layout.layout().schema());
  }

  private void writeSequence(ByteOutput out, Iterable<?> elements, int size, boolean sort, int depth) {
    LayoutCodec<?> layout = writeCommonLayout(out, elements);
    writeItems(out, elements, null, size, sort, layout, null, depth);
  }

  private void writeMap(ByteOutput out, Map<?, ?> map, boolean sort, int depth) {
    LayoutCodec<?> keys = writeCommonLayout(out, map.keySet());
    LayoutCodec<?> values = writeCommonLayout(out, map.values());
    writeItems(out, map.entrySet(), map, map.size(), sort, keys, values, depth);
  }

  /**
   * Writes whether the non-null elements share one layout class, and its definition if they do;
   * returns its codec, or null.
   */
  private LayoutCodec<?> writeCommonLayout(ByteOutput out, Iterable<?> elements) {
    Class<?> common = commonLayoutClass(elements);
    LayoutCodec<?> layout = common == null ? null : layoutCodec(common);
    out.writeByte(layout == null ? 0 : 1);
    if (layout != null) {
      writeClassDef(out, common, layout);
    }
    return layout;
  }

  /*
   * Writes the count and then the items of a sequence, or of map (then items are its entries, each
   * written as key then value). With sort, the items end up in the order of their encoded bytes:
   * the canonical bytes of a hash-ordered container. A container whose iteration disagrees with its
   * size was changed while it was encoded.
   */
  private void writeItems(ByteOutput out, Iterable<?> items, Map<?, ?> map, int size, boolean sort,
      LayoutCodec<?> layout, LayoutCodec<?> valueLayout, int depth) {
    out.writeVarInt(size);
    int start = out.position();
    int[] ends = sort && size > 1 ? new int[size] : null;
    int i = 0;
    for (Object item : items) {
      if (map == null) {
        writeElement(out, item, layout, depth);
      } else {
        Map.Entry<?, ?> e = (Map.Entry<?, ?>) item;
        writeElement(out, e.getKey(), layout, depth);
        writeElement(out, e.getValue(), valueLayout, depth);
      }
      if (ends != null && i < size) {
        ends[i] = out.position();
      }
      i++;
    }
    if (i != size) {
      Object container = map == null ? items : map;
      throw new IllegalArgumentException("a " + container.getClass().getName() + " changed while it was encoded");
    }
    if (ends != null) {
      sortRanges(out, start, ends);
    }
  }

  private void writeElement(ByteOutput out, Object e, LayoutCodec<?> layout, int depth) {
    if (layout == null) {
      write(out, e, depth + 1);
    } else if (e == null) {
      out.writeVarInt(0);
    } else {
      int start = out.beginSized();
      layout.writeBody(out, e);
      out.endSized(start, 1);
    }
  }

  /**
   * Reorders the byte ranges [start, ends[0]), [ends[0], ends[1]), ... by unsigned byte order:
   * copies them in order past the end of the buffer, then back over where they were.
   */
  private static void sortRanges(ByteOutput out, int start, int[] ends) {
    int n = ends.length;
    int end = ends[n - 1];
    byte[] buf = out.buffer();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(buf, rangeStart(start, ends, a), ends[a],
        buf, rangeStart(start, ends, b), ends[b]));
    for (int i : order) {
      int from = rangeStart(start, ends, i);
      out.writeBytes(out.buffer(), from, ends[i] - from);
    }
    System.arraycopy(out.buffer(), end, out.buffer(), start, end - start);
    out.position(end);
  }

  private static int rangeStart(int start, int[] ends, int i) {
    return i == 0 ? start : ends[i - 1];
  }

  /** The one generated-layout class of every non-null element, or null. */
  private Class<?> commonLayoutClass(Iterable<?> elements) {
    Class<?> common = null;
    for (Object e : elements) {
      if (e == null) {
        continue;
      }
      Class<?> c = e.getClass();
      if (common == null) {
        if (AnyCodec.builtinTag(c) != null || layoutCodec(c) == null) {
          return null;
        }
        common = c;
      } else if (c != common) {
        return null;
      }
    }
    return common;
  }

  private void writeArray(ByteOutput out, Object array, Class<?> c, int depth) {
    Class<?> component = c.getComponentType();
    int n = Array.getLength(array);
    if (component.isPrimitive()) {
      out.writeByte(PRIMITIVE_ARRAY);
      int code = PRIMITIVE_CODES.indexOf(component);
      out.writeByte(code);
      out.writeVarInt(n);
      switch (code) {
        case 0 -> { for (boolean v : (boolean[]) array) { out.writeByte(v ? 1 : 0); } }
        case 1 -> out.writeBytes((byte[]) array, 0, n);
        case 2 -> { for (short v : (short[]) array) { out.writeShort(v); } }
        case 3 -> { for (char v : (char[]) array) { out.writeShort((short) v); } }
        case 4 -> { for (int v : (int[]) array) { out.writeInt(v); } }
        case 5 -> { for (float v : (float[]) array) { out.writeInt(Float.floatToRawIntBits(v)); } }
        case 6 -> { for (long v : (long[]) array) { out.writeLong(v); } }
        default -> { for (double v : (double[]) array) { out.writeLong(Double.doubleToRawLongBits(v)); } }
      }
      return;
    }
    out.writeByte(ARRAY);
    out.writeString(component.getName());
    writeSequence(out, Arrays.asList((Object[]) array), n, false, depth);
  }

  // A primitive array's stored component code is its component's index here, and its width in bytes
  // is PRIMITIVE_WIDTH at the same index. The codes are stored: never reorder.
  private static final List<Class<?>> PRIMITIVE_CODES = List.of(
      boolean.class, byte.class, short.class, char.class, int.class, float.class, long.class, double.class);
  private static final int[] PRIMITIVE_WIDTH = {1, 1, 2, 2, 4, 4, 8, 8};

  @SuppressWarnings("unchecked")
  private void writeEnumSet(ByteOutput out, EnumSet<?> set) {
    out.writeByte(ENUM_SET);
    EnumSet<?> some = set.isEmpty() ? EnumSet.complementOf(cast(set)) : set;
    if (some.isEmpty()) {
      throw new IllegalArgumentException("an EnumSet of an enum without constants cannot be encoded");
    }
    Class<?> type = ((Enum<?>) some.iterator().next()).getDeclaringClass();
    out.writeString(type.getName());
    out.writeVarInt(set.size());
    for (Enum<?> e : set) {
      out.writeString(e.name());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static EnumSet cast(EnumSet<?> set) {
    return set;
  }

  /** The generated codec of a class the layout takes (not a JDK or custom-serialized class), or null. */
  LayoutCodec<?> layoutCodec(Class<?> c) {
    Object codec = layoutCodecs.get(c);
    if (codec == null) {
      codec = NOT_LAYOUT;
      if (!c.isArray() && !c.isEnum() && !c.isInterface() && !Codecs.hasCustomSerialization(c)
          && !c.getName().startsWith("java.")) {
        try {
          codec = LayoutCodec.create(c, classLoader);
        } catch (IllegalArgumentException e) {
          codec = NOT_LAYOUT;
        }
      }
      Object raced = layoutCodecs.putIfAbsent(c, codec);
      codec = raced != null ? raced : codec;
    }
    return codec == NOT_LAYOUT ? null : (LayoutCodec<?>) codec;
  }

  // ---------------------------------------------------------------- reading

  Object read(ValueReader in, int depth) {
    if (depth > MAX_DEPTH) {
      throw new Codec.DecodeException("a stored value nests more than " + MAX_DEPTH + " levels deep");
    }
    byte tag = in.readByte();
    switch (tag) {
      case NULL:
        return null;
      case 1:
        return in.readString();
      case 2:
        return in.readSized();
      case 7:
        return in.readInt();
      case 8:
        return in.readLong();
      case 18: {
        int n = in.readVarInt();
        return BuiltinCodec.ZONED_DATE_TIME.decode(in.region(), in.skip(n), n);
      }
      case OBJECT: {
        ClassDef def = readClassDef(in);
        int n = in.readVarInt();
        return def.decode(in.region(), in.skip(n), n);
      }
      case ENUM:
        return enumConstant(readClass(in), in.readString());
      case BIG_INTEGER: {
        byte[] b = in.readSized();
        if (b.length == 0) {
          throw new Codec.DecodeException("a stored BigInteger has no bytes");
        }
        return new BigInteger(b);
      }
      case BIG_DECIMAL: {
        int scale = in.readInt();
        byte[] b = in.readSized();
        if (b.length == 0) {
          throw new Codec.DecodeException("a stored BigDecimal has no bytes");
        }
        return new BigDecimal(new BigInteger(b), scale);
      }
      case OPTIONAL_EMPTY:
        return Optional.empty();
      case OPTIONAL: {
        Object v = read(in, depth + 1);
        if (v == null) {
          throw new Codec.DecodeException("a stored Optional holds null");
        }
        return Optional.of(v);
      }
      case LIST:
      case SET:
        return readCollection(in, tag, depth);
      case MAP:
        return readMap(in, depth);
      case ARRAY:
        return readArray(in, depth);
      case PRIMITIVE_ARRAY:
        return readPrimitiveArray(in);
      case ENUM_SET:
        return readEnumSet(in);
      case SERIALIZED: {
        byte[] b = in.readSized();
        return SerializingCodec.read(b, 0, b.length, classLoader);
      }
      default:
        if (tag > 0 && tag < 18) {
          BuiltinCodec<?> codec = AnyCodec.builtin(tag);
          int width = ((BuiltinCodec.Fixed<?>) codec).size();
          return codec.decode(in.region(), in.skip(width), width);
        }
        throw new Codec.DecodeException("unknown tag " + tag + " in a stored value");
    }
  }

  private final class ClassDef {
    final LayoutCodec<?> codec;
    final Region schemaRegion;
    final int schemaOffset;
    final int schemaLength;

    ClassDef(LayoutCodec<?> codec, Region schemaRegion, int schemaOffset, int schemaLength) {
      this.codec = codec;
      this.schemaRegion = schemaRegion;
      this.schemaOffset = schemaOffset;
      this.schemaLength = schemaLength;
    }

    Object decode(Region region, int offset, int length) {
      return codec.decodeBody(region, offset, length, schemaRegion, schemaOffset, schemaLength);
    }
  }

  private ClassDef readClassDef(ValueReader in) {
    Class<?> c = readClass(in);
    int n = in.readVarInt();
    int at = in.skip(n);
    LayoutCodec<?> codec = layoutCodec(c);
    if (codec == null) {
      try {
        codec = LayoutCodec.create(c, classLoader);
      } catch (IllegalArgumentException e) {
        throw new Codec.DecodeException("the stored class " + c.getName() + " can no longer be read field by field: "
            + e.getMessage(), e);
      }
    }
    return new ClassDef(codec, in.region(), at, n);
  }

  /** Reads a class name (varint length, UTF-8) and loads the class. */
  private Class<?> readClass(ValueReader in) {
    int n = in.readVarInt();
    return loadClass(in.region(), in.skip(n), n);
  }

  /*
   * The class whose name is the n UTF-8 bytes at `at`. Classes of names read before sit in a small
   * direct-mapped table by the FNV-1a hash of those bytes, so a name seen before (every collection
   * of objects names its element class) is hashed and compared where it is stored and allocates
   * nothing; a slot keeps the last name that hashed to it. Entries are immutable, so threads that
   * race on a slot only replace one correct entry by another.
   */
  Class<?> loadClass(Region region, int at, int n) {
    int h = 0x811C9DC5;
    for (int i = 0; i < n; i++) {
      h = (h ^ (region.getByte(at + i) & 0xFF)) * 0x01000193;
    }
    int slot = h & (knownNames.length - 1);
    KnownName known = knownNames[slot];
    if (known != null && known.matches(h, region, at, n)) {
      return known.type();
    }
    String name = BuiltinCodec.STRING.decode(region, at, n);
    Class<?> c = loadClass(name);
    knownNames[slot] = new KnownName(h, name.getBytes(StandardCharsets.UTF_8), c);
    return c;
  }

  private record KnownName(int hash, byte[] utf8, Class<?> type) {
    boolean matches(int h, Region region, int at, int n) {
      if (h != hash || n != utf8.length) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        if (region.getByte(at + i) != utf8[i]) {
          return false;
        }
      }
      return true;
    }
  }

  private Class<?> loadClass(String name) {
    Class<?> c = classes.get(name);
    if (c == null) {
      try {
        c = Class.forName(name, false, classLoader == null ? TaggedFormat.class.getClassLoader() : classLoader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new Codec.DecodeException("the stored class " + name + " cannot be loaded: " + e, e);
      }
      if (classes.size() < 4096) {
        classes.put(name, c);
      }
    }
    return c;
  }

  private Object enumConstant(Class<?> c, String name) {
    if (!c.isEnum()) {
      throw new Codec.DecodeException("the stored enum class " + c.getName() + " is not an enum");
    }
    Map<String, Object> byName = enumConstants.computeIfAbsent(c, k -> {
      Map<String, Object> m = new HashMap<>();
      for (Object e : k.getEnumConstants()) {
        m.put(((Enum<?>) e).name(), e);
      }
      return m;
    });
    Object e = byName.get(name);
    if (e == null) {
      throw new Codec.DecodeException(c.getName() + " has no constant " + name + " any more");
    }
    return e;
  }

  /** Reads a sequence's mode and class definition: null for a sequence of nodes. */
  private ClassDef readSequenceHead(ValueReader in) {
    byte mode = in.readByte();
    if (mode == 0) {
      return null;
    } else if (mode == 1) {
      return readClassDef(in);
    }
    throw new Codec.DecodeException("unknown sequence mode " + mode + " in a stored value");
  }

  private Object readElement(ValueReader in, ClassDef def, int depth) {
    if (def == null) {
      return read(in, depth + 1);
    }
    int n = in.readVarInt();
    if (n == 0) {
      return null;
    }
    return def.decode(in.region(), in.skip(n - 1), n - 1);
  }

  private Object readCollection(ValueReader in, byte tag, int depth) {
    int kind = in.readByte();
    boolean set = tag == SET;
    Class<?> byClass = kind == CollectionKinds.K_BY_CLASS ? readClass(in) : null;
    ClassDef def = readSequenceHead(in);
    int n = in.readCount(1);
    Collection<Object> c = CollectionKinds.newCollection(kind, set, byClass, n);
    for (int i = 0; i < n; i++) {
      c.add(readElement(in, def, depth));
    }
    return CollectionKinds.finish(kind, set, c, n);
  }

  private Object readMap(ValueReader in, int depth) {
    int kind = in.readByte();
    Class<?> byClass = kind == CollectionKinds.K_BY_CLASS ? readClass(in) : null;
    ClassDef keys = readSequenceHead(in);
    ClassDef values = readSequenceHead(in);
    int n = in.readCount(2);
    Map<Object, Object> m = CollectionKinds.newMap(kind, byClass, n);
    for (int i = 0; i < n; i++) {
      Object k = readElement(in, keys, depth);
      m.put(k, readElement(in, values, depth));
    }
    return CollectionKinds.finish(kind, m, n);
  }

  private Object readArray(ValueReader in, int depth) {
    Class<?> component = readClass(in);
    String name = component.getName();
    if (component.isPrimitive()) {
      throw new Codec.DecodeException("a stored object array names the primitive type " + name);
    }
    ClassDef def = readSequenceHead(in);
    int n = in.readCount(1);
    Object[] array = (Object[]) Array.newInstance(component, n);
    for (int i = 0; i < n; i++) {
      Object e = readElement(in, def, depth);
      if (e != null && !component.isInstance(e)) {
        throw new Codec.DecodeException("a stored " + name + "[] holds a " + e.getClass().getName());
      }
      array[i] = e;
    }
    return array;
  }

  private Object readPrimitiveArray(ValueReader in) {
    int code = in.readByte();
    if (code < 0 || code > 7) {
      throw new Codec.DecodeException("unknown primitive array type " + code + " in a stored value");
    }
    int n = in.readCount(PRIMITIVE_WIDTH[code]);
    switch (code) {
      case 0: { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) { a[i] = in.readByte() != 0; } return a; }
      case 1: { byte[] a = new byte[n]; in.region().getBytes(in.skip(n), a, 0, n); return a; }
      case 2: { short[] a = new short[n]; for (int i = 0; i < n; i++) { a[i] = in.readShort(); } return a; }
      case 3: { char[] a = new char[n]; for (int i = 0; i < n; i++) { a[i] = (char) in.readShort(); } return a; }
      case 4: { int[] a = new int[n]; for (int i = 0; i < n; i++) { a[i] = in.readInt(); } return a; }
      case 5: { float[] a = new float[n]; for (int i = 0; i < n; i++) { a[i] = Float.intBitsToFloat(in.readInt()); } return a; }
      case 6: { long[] a = new long[n]; for (int i = 0; i < n; i++) { a[i] = in.readLong(); } return a; }
      default: { double[] a = new double[n]; for (int i = 0; i < n; i++) { a[i] = Double.longBitsToDouble(in.readLong()); } return a; }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Object readEnumSet(ValueReader in) {
    Class c = readClass(in);
    if (!c.isEnum()) {
      throw new Codec.DecodeException("the stored enum class " + c.getName() + " is not an enum");
    }
    EnumSet set = EnumSet.noneOf(c);
    int n = in.readCount(1);
    for (int i = 0; i < n; i++) {
      set.add(enumConstant(c, in.readString()));
    }
    return set;
  }
}
