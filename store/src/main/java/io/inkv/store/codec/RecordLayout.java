package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.LittleEndian;
import io.inkv.store.memory.Region;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The binary layout a generated codec gives the values of one record or plain-object class:
 * where each field sits, so that one field can be read from stored bytes without decoding the
 * others.
 *
 * <p>A value is laid out as (offsets from the value's first byte, little-endian):
 *
 * <pre>
 *   [0, 4)                 fingerprint: a hash of the field names, kinds and types, checked on read
 *   [4, 4 + B)             null bitmap, one bit per nullable field (B = ceil(nullable / 8))
 *   [F, T)                 fixed-width fields at fixed offsets, widest first
 *   [T, T + 4 * V)         offset table: for each variable-length field, its end offset (int32)
 *   [T + 4 * V, length)    variable-length fields, back to back in table order
 * </pre>
 *
 * <p>Variable-length field {@code i} spans from the end offset of field {@code i - 1} (or
 * {@code T + 4 * V} for the first) to its own end offset. The full format, with examples, is in
 * {@code docs/codec-format.md}. Record fields are taken in component order; plain-object fields
 * in name order, so the layout does not depend on reflection's ordering.
 *
 * <p>Instances are immutable and thread-safe. The read methods take the region and the offset of
 * the value's first byte ({@code base}); they check that offsets stay inside {@code length}.
 */
public final class RecordLayout {
  /** Where the fingerprint sits. */
  public static final int FINGERPRINT_OFFSET = 0;
  /** Where the null bitmap starts. */
  public static final int BITMAP_OFFSET = 4;

  /** How a field is stored. */
  public enum Kind {
    /** {@code boolean}, one byte, 0 or 1. */
    BOOLEAN(1, false),
    /** {@code byte}. */
    BYTE(1, false),
    /** {@code short}. */
    SHORT(2, false),
    /** {@code char}, as an unsigned 16-bit value. */
    CHAR(2, false),
    /** {@code int}. */
    INT(4, false),
    /** {@code float}, IEEE 754 bits. */
    FLOAT(4, false),
    /** {@code long}. */
    LONG(8, false),
    /** {@code double}, IEEE 754 bits. */
    DOUBLE(8, false),
    /** {@code Boolean}: one byte and a null bit. */
    BOXED_BOOLEAN(1, true),
    /** {@code Byte}. */
    BOXED_BYTE(1, true),
    /** {@code Short}. */
    BOXED_SHORT(2, true),
    /** {@code Character}. */
    BOXED_CHAR(2, true),
    /** {@code Integer}. */
    BOXED_INT(4, true),
    /** {@code Float}. */
    BOXED_FLOAT(4, true),
    /** {@code Long}. */
    BOXED_LONG(8, true),
    /** {@code Double}. */
    BOXED_DOUBLE(8, true),
    /** {@code String}, UTF-8, variable length, nullable. */
    STRING(0, true),
    /** {@code byte[]}, variable length, nullable. */
    BYTES(0, true),
    /** Any other type, encoded by its own codec, variable length, nullable. */
    NESTED(0, true);

    private final int width;
    private final boolean nullable;

    Kind(int width, boolean nullable) {
      this.width = width;
      this.nullable = nullable;
    }

    /** Returns the bytes a fixed-width field takes, or 0 for a variable-length one. */
    public int width() {
      return width;
    }

    /** Returns whether the field has a fixed offset. */
    public boolean isFixed() {
      return width > 0;
    }

    /** Returns whether the field can be null (and so has a bit in the null bitmap). */
    public boolean isNullable() {
      return nullable;
    }

    String typeName() {
      switch (this) {
        case BOOLEAN: return "boolean";
        case BYTE: return "byte";
        case SHORT: return "short";
        case CHAR: return "char";
        case INT: return "int";
        case FLOAT: return "float";
        case LONG: return "long";
        case DOUBLE: return "double";
        case BOXED_BOOLEAN: return "java.lang.Boolean";
        case BOXED_BYTE: return "java.lang.Byte";
        case BOXED_SHORT: return "java.lang.Short";
        case BOXED_CHAR: return "java.lang.Character";
        case BOXED_INT: return "java.lang.Integer";
        case BOXED_FLOAT: return "java.lang.Float";
        case BOXED_LONG: return "java.lang.Long";
        case BOXED_DOUBLE: return "java.lang.Double";
        case STRING: return "java.lang.String";
        case BYTES: return "[B";
        default: return "?";
      }
    }

    static Kind of(Class<?> type) {
      if (type == boolean.class) {
        return BOOLEAN;
      } else if (type == byte.class) {
        return BYTE;
      } else if (type == short.class) {
        return SHORT;
      } else if (type == char.class) {
        return CHAR;
      } else if (type == int.class) {
        return INT;
      } else if (type == float.class) {
        return FLOAT;
      } else if (type == long.class) {
        return LONG;
      } else if (type == double.class) {
        return DOUBLE;
      } else if (type == Boolean.class) {
        return BOXED_BOOLEAN;
      } else if (type == Byte.class) {
        return BOXED_BYTE;
      } else if (type == Short.class) {
        return BOXED_SHORT;
      } else if (type == Character.class) {
        return BOXED_CHAR;
      } else if (type == Integer.class) {
        return BOXED_INT;
      } else if (type == Float.class) {
        return BOXED_FLOAT;
      } else if (type == Long.class) {
        return BOXED_LONG;
      } else if (type == Double.class) {
        return BOXED_DOUBLE;
      } else if (type == String.class) {
        return STRING;
      } else if (type == byte[].class) {
        return BYTES;
      }
      return NESTED;
    }
  }

  /**
   * One field of the layout.
   *
   * @param name the field (or record component) name
   * @param type its declared type
   * @param kind how it is stored
   * @param index its position in {@link #fields()}
   * @param offset the offset of a fixed-width field from the value's start, or -1
   * @param nullBit its bit in the null bitmap, or -1 if it cannot be null
   * @param varIndex its entry in the offset table for a variable-length field, or -1
   * @param typeName the name of its declared type
   */
  public record Field(String name, Class<?> type, Kind kind, int index, int offset, int nullBit, int varIndex,
      String typeName) {}

  /**
   * Implemented by the class the codec generator writes for each layout; not for applications.
   */
  public interface Accessor {
    /** Writes every field of {@code value} into {@code out}. */
    void write(Object value, Writer out);

    /** Builds a value from the bytes at {@code base}, {@code length} bytes long. */
    Object read(RecordLayout layout, Region region, int base, int length);

    /** Builds a value from its fields, boxed, in layout order (used when the stored layout differs). */
    Object construct(Object[] values);
  }

  private final Class<?> type;
  private final String className;
  private final List<Field> fields;
  private final Field[] fieldArray;
  private final int fingerprint;
  private final int legacyFingerprint;
  private final byte[] schema;
  private final byte[] trailer;
  private final int tableOffset;
  private final int varCount;
  private final int dataOffset;
  private final ClassLoader classLoader;
  private final Codec<?>[] nested;
  private Codec<?> self;

  RecordLayout(Class<?> type, List<String> names, List<Class<?>> types, ClassLoader classLoader) {
    this(type, type.getName(), names, kinds(types), typeNames(types), types.toArray(new Class<?>[0]), classLoader);
  }

  private RecordLayout(Class<?> type, String className, List<String> names, Kind[] kinds, String[] typeNames,
      Class<?>[] types, ClassLoader classLoader) {
    this.type = type;
    this.className = className;
    this.classLoader = classLoader;
    int n = names.size();
    int nullable = 0;
    int vars = 0;
    int fixedBytes = 0;
    int h = FNV_BASIS;
    for (int i = 0; i < n; i++) {
      nullable += kinds[i].isNullable() ? 1 : 0;
      vars += kinds[i].isFixed() ? 0 : 1;
      fixedBytes += kinds[i].width();
      h = fnv(h, (names.get(i) + ':' + kinds[i] + ':' + typeNames[i] + ';').getBytes(StandardCharsets.UTF_8));
    }
    this.legacyFingerprint = h;
    this.schema = schema(className, names, kinds, typeNames);
    this.fingerprint = fnv(FNV_BASIS, schema);
    if (schema.length > 0xFFFF) {
      throw new IllegalArgumentException(className + " has too many fields for a generated codec (a schema of "
          + schema.length + " bytes)");
    }
    this.trailer = Arrays.copyOf(schema, schema.length + 2);
    LittleEndian.putShort(trailer, schema.length, (short) schema.length);
    int fixedOffset = BITMAP_OFFSET + (nullable + 7) / 8;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -kinds[i].width()).thenComparingInt(i -> i));
    int[] offsets = new int[n];
    int at = fixedOffset;
    for (int i : order) {
      if (kinds[i].isFixed()) {
        offsets[i] = at;
        at += kinds[i].width();
      } else {
        offsets[i] = -1;
      }
    }
    this.tableOffset = fixedOffset + fixedBytes;
    this.varCount = vars;
    this.dataOffset = tableOffset + 4 * vars;
    List<Field> list = new ArrayList<>(n);
    int bit = 0;
    int var = 0;
    for (int i = 0; i < n; i++) {
      list.add(new Field(names.get(i), types == null ? null : types[i], kinds[i], i, offsets[i],
          kinds[i].isNullable() ? bit++ : -1, kinds[i].isFixed() ? -1 : var++, typeNames[i]));
    }
    this.fields = Collections.unmodifiableList(list);
    this.fieldArray = list.toArray(new Field[0]);
    this.nested = new Codec<?>[n];
  }

  private static final int FNV_BASIS = 0x811C9DC5;
  private static final byte SCHEMA_VERSION = 1;

  static int fnv(int h, byte[] bytes) {
    for (byte b : bytes) {
      h = (h ^ (b & 0xFF)) * 0x01000193;
    }
    return h;
  }

  private static Kind[] kinds(List<Class<?>> types) {
    Kind[] kinds = new Kind[types.size()];
    for (int i = 0; i < kinds.length; i++) {
      kinds[i] = Kind.of(types.get(i));
    }
    return kinds;
  }

  private static String[] typeNames(List<Class<?>> types) {
    String[] names = new String[types.size()];
    for (int i = 0; i < names.length; i++) {
      names[i] = types.get(i).getName();
    }
    return names;
  }

  /*
   * The schema a value carries after its fields (and a class definition in the tagged format
   * carries once): version, FNV-1a of the class name, field count, and per field its kind's
   * ordinal, name and (for NESTED fields) declared type name. Its hash is the fingerprint.
   */
  private static byte[] schema(String className, List<String> names, Kind[] kinds, String[] typeNames) {
    ByteOutput out = new ByteOutput(64);
    out.writeByte(SCHEMA_VERSION);
    out.writeInt(fnv(FNV_BASIS, className.getBytes(StandardCharsets.UTF_8)));
    out.writeVarInt(names.size());
    for (int i = 0; i < names.size(); i++) {
      out.writeByte(kinds[i].ordinal());
      out.writeString(names.get(i));
      out.writeString(kinds[i] == Kind.NESTED ? typeNames[i] : "");
    }
    return out.toByteArray();
  }

  /**
   * Reads the layout a writer used from its schema bytes; the result knows kinds, names and type
   * names, not classes.
   *
   * @throws Codec.DecodeException if the bytes are not a schema
   */
  static RecordLayout fromSchema(Region region, int offset, int length, Class<?> readerType) {
    ValueReader in = new ValueReader(region, offset, length);
    int version = in.readByte();
    if (version != SCHEMA_VERSION) {
      throw new Codec.DecodeException("unknown layout schema version " + version + " for " + readerType.getName());
    }
    int classHash = in.readInt();
    if (classHash != fnv(FNV_BASIS, readerType.getName().getBytes(StandardCharsets.UTF_8))) {
      throw new Codec.DecodeException("the stored value was written by another class than " + readerType.getName());
    }
    int n = in.readCount(3);
    List<String> names = new ArrayList<>(n);
    Kind[] kinds = new Kind[n];
    String[] typeNames = new String[n];
    Kind[] all = Kind.values();
    for (int i = 0; i < n; i++) {
      int k = in.readByte() & 0xFF;
      if (k >= all.length) {
        throw new Codec.DecodeException("unknown field kind " + k + " in a stored " + readerType.getName());
      }
      kinds[i] = all[k];
      names.add(in.readString());
      String t = in.readString();
      typeNames[i] = kinds[i] == Kind.NESTED ? t : kinds[i].typeName();
    }
    if (in.remaining() != 0) {
      throw new Codec.DecodeException("a stored schema of " + readerType.getName() + " has " + in.remaining() + " bytes too many");
    }
    return new RecordLayout(null, readerType.getName(), names, kinds, typeNames, null, null);
  }

  /** Returns the fingerprint the codec wrote before values carried their schema. */
  int legacyFingerprint() {
    return legacyFingerprint;
  }

  /** Returns the schema bytes (see {@link #fromSchema}). */
  byte[] schema() {
    return schema;
  }

  /** Returns the class this layout describes. */
  public Class<?> type() {
    return type;
  }

  /** Returns the fields, in layout order. */
  public List<Field> fields() {
    return fields;
  }

  /**
   * Returns the field called {@code name}.
   *
   * @throws IllegalArgumentException if there is none
   */
  public Field field(String name) {
    for (Field f : fieldArray) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException(className + " has no field " + name);
  }

  /** Returns the fingerprint every value of this layout starts with. */
  public int fingerprint() {
    return fingerprint;
  }

  /** Returns the offset of the offset table (the end of the fixed-width fields). */
  public int tableOffset() {
    return tableOffset;
  }

  /** Returns the offset where variable-length data starts, which is also the shortest value. */
  public int dataOffset() {
    return dataOffset;
  }

  /**
   * Checks that {@code length} bytes at {@code base} can be a value of this layout.
   *
   * @throws Codec.DecodeException if they are too short or carry another fingerprint
   */
  public void check(Region region, int base, int length) {
    if (length < dataOffset) {
      throw new Codec.DecodeException("a " + className + " takes at least " + dataOffset + " bytes, not " + length);
    }
    int stored = region.getInt(base + FINGERPRINT_OFFSET);
    if (stored != fingerprint && stored != legacyFingerprint) {
      throw new Codec.DecodeException(String.format(
          "the stored value was written with another layout of %s (fingerprint %08x, this class has %08x)",
          className, stored, fingerprint));
    }
  }

  /** Checks that a value of this (writer's) layout is long enough for its fixed part. */
  void checkLength(String what, int length) {
    if (length < dataOffset) {
      throw new Codec.DecodeException("a stored " + what + " takes at least " + dataOffset + " bytes, not " + length);
    }
  }

  /**
   * Reads field {@code fieldIndex} boxed (a fixed-width primitive as its wrapper), decoding a
   * nested field with {@code nestedCodec}; used to migrate values of another layout.
   */
  Object readBoxedAny(Region region, int base, int length, int fieldIndex, Codec<?> nestedCodec) {
    Field f = fieldArray[fieldIndex];
    if (isNull(region, base, fieldIndex)) {
      return null;
    }
    int at = base + f.offset();
    switch (f.kind()) {
      case BOOLEAN: return region.getByte(at) != 0;
      case BYTE: return region.getByte(at);
      case SHORT: return region.getShort(at);
      case CHAR: return (char) region.getShort(at);
      case INT: return region.getInt(at);
      case FLOAT: return region.getFloat(at);
      case LONG: return region.getLong(at);
      case DOUBLE: return region.getDouble(at);
      case STRING: return readString(region, base, length, fieldIndex);
      case BYTES: return readBytes(region, base, length, fieldIndex);
      case NESTED: {
        int start = varStart(region, base, length, f);
        int end = varEnd(region, base, length, f, start);
        return nestedCodec.decode(region, base + start, end - start);
      }
      default: return readBoxed(region, base, fieldIndex);
    }
  }

  /** Returns whether the nullable field {@code fieldIndex} is null. */
  public boolean isNull(Region region, int base, int fieldIndex) {
    int bit = fieldArray[fieldIndex].nullBit();
    return bit >= 0 && (region.getByte(base + BITMAP_OFFSET + (bit >>> 3)) & (1 << (bit & 7))) != 0;
  }

  /** Reads a {@code boolean} stored at {@code at}. */
  public boolean readBoolean(Region region, int at) {
    return region.getByte(at) != 0;
  }

  /** Reads a boxed fixed-width field, or null. */
  public Object readBoxed(Region region, int base, int fieldIndex) {
    if (isNull(region, base, fieldIndex)) {
      return null;
    }
    Field f = fieldArray[fieldIndex];
    int at = base + f.offset();
    switch (f.kind()) {
      case BOXED_BOOLEAN:
        return region.getByte(at) != 0;
      case BOXED_BYTE:
        return region.getByte(at);
      case BOXED_SHORT:
        return region.getShort(at);
      case BOXED_CHAR:
        return (char) region.getShort(at);
      case BOXED_INT:
        return region.getInt(at);
      case BOXED_FLOAT:
        return region.getFloat(at);
      case BOXED_LONG:
        return region.getLong(at);
      case BOXED_DOUBLE:
        return region.getDouble(at);
      default:
        throw new IllegalArgumentException(f.name() + " is not a boxed field but " + f.kind());
    }
  }

  private int varStart(Region region, int base, int length, Field f) {
    int start = f.varIndex() == 0 ? dataOffset : region.getInt(base + tableOffset + 4 * (f.varIndex() - 1));
    if (start < dataOffset || start > length) {
      throw new Codec.DecodeException(className + "." + f.name() + " starts outside the value: " + start);
    }
    return start;
  }

  private int varEnd(Region region, int base, int length, Field f, int start) {
    int end = region.getInt(base + tableOffset + 4 * f.varIndex());
    if (end < start || end > length) {
      throw new Codec.DecodeException(className + "." + f.name() + " ends outside the value: " + end);
    }
    return end;
  }

  /** Reads a {@code String} field, or null. */
  public String readString(Region region, int base, int length, int fieldIndex) {
    if (isNull(region, base, fieldIndex)) {
      return null;
    }
    Field f = fieldArray[fieldIndex];
    int start = varStart(region, base, length, f);
    int end = varEnd(region, base, length, f, start);
    return BuiltinCodec.STRING.decode(region, base + start, end - start);
  }

  /** Reads a {@code byte[]} field (a new array), or null. */
  public byte[] readBytes(Region region, int base, int length, int fieldIndex) {
    if (isNull(region, base, fieldIndex)) {
      return null;
    }
    Field f = fieldArray[fieldIndex];
    int start = varStart(region, base, length, f);
    int end = varEnd(region, base, length, f, start);
    byte[] out = new byte[end - start];
    region.getBytes(base + start, out, 0, out.length);
    return out;
  }

  /** Reads a nested field with its own codec, or null. */
  public Object readNested(Region region, int base, int length, int fieldIndex) {
    if (isNull(region, base, fieldIndex)) {
      return null;
    }
    Field f = fieldArray[fieldIndex];
    int start = varStart(region, base, length, f);
    int end = varEnd(region, base, length, f, start);
    return nestedCodec(fieldIndex).decode(region, base + start, end - start);
  }

  Codec<?> nestedCodec(int fieldIndex) {
    Codec<?> codec = nested[fieldIndex];
    if (codec == null) {
      // resolved lazily so that a type may (indirectly) contain itself; a race only builds twice
      Class<?> t = fieldArray[fieldIndex].type();
      codec = t == type && self != null ? self : Codec.forClass(t, classLoader);
      nested[fieldIndex] = codec;
    }
    return codec;
  }

  /** Sets the codec of this layout's own class, which a field of the same class reuses. */
  void self(Codec<?> codec) {
    this.self = codec;
  }

  /** Starts a value of this layout at the position of {@code out}; see {@link Writer}. */
  Writer newWriter(ByteOutput out) {
    return new Writer(this, out);
  }

  /** Writes the schema trailer a value that stands alone ends with (a typed codec's value, tag 19). */
  void writeTrailer(ByteOutput out) {
    out.writeBytes(trailer, 0, trailer.length);
  }

  @Override
  public String toString() {
    return "RecordLayout[" + className + ", " + fields + "]";
  }

  private static final int MAX_NESTING = 200;
  private static final ThreadLocal<int[]> NESTING = ThreadLocal.withInitial(() -> new int[1]);

  /** Writes the bytes of one value; used by generated code, not by applications. */
  public static final class Writer {
    /*
     * Writes one value in place, into the buffer of the value being encoded (which may be a list or
     * a record this value is nested in): the fixed part is reserved zeroed at the buffer's position
     * (base) and filled in at base + offset, variable-length fields are appended after it, and each
     * one's end offset from base goes into the offset table. Nothing is allocated but the Writer
     * itself (which the JIT removes when it inlines the generated write), a String's bytes when it
     * is not ASCII, and the array of a nested codec that does not write in place.
     */
    private final RecordLayout layout;
    private final ByteOutput out;
    private final int base;

    Writer(RecordLayout layout, ByteOutput out) {
      this.layout = layout;
      this.out = out;
      this.base = out.reserve(layout.dataOffset);
      putInt(FINGERPRINT_OFFSET, layout.fingerprint);
    }

    /** Writes a {@code boolean} at {@code offset}. */
    public void putBoolean(int offset, boolean v) {
      out.buffer()[base + offset] = (byte) (v ? 1 : 0);
    }

    /** Writes a {@code byte} at {@code offset}. */
    public void putByte(int offset, byte v) {
      out.buffer()[base + offset] = v;
    }

    /** Writes a {@code short} at {@code offset}. */
    public void putShort(int offset, short v) {
      LittleEndian.putShort(out.buffer(), base + offset, v);
    }

    /** Writes a {@code char} at {@code offset}. */
    public void putChar(int offset, char v) {
      LittleEndian.putShort(out.buffer(), base + offset, (short) v);
    }

    /** Writes an {@code int} at {@code offset}. */
    public void putInt(int offset, int v) {
      LittleEndian.putInt(out.buffer(), base + offset, v);
    }

    /** Writes a {@code float} at {@code offset}. */
    public void putFloat(int offset, float v) {
      LittleEndian.putInt(out.buffer(), base + offset, Float.floatToRawIntBits(v));
    }

    /** Writes a {@code long} at {@code offset}. */
    public void putLong(int offset, long v) {
      LittleEndian.putLong(out.buffer(), base + offset, v);
    }

    /** Writes a {@code double} at {@code offset}. */
    public void putDouble(int offset, double v) {
      LittleEndian.putLong(out.buffer(), base + offset, Double.doubleToRawLongBits(v));
    }

    private boolean putNull(Field f, Object v) {
      if (v != null) {
        return false;
      }
      int bit = f.nullBit();
      out.buffer()[base + BITMAP_OFFSET + (bit >>> 3)] |= (byte) (1 << (bit & 7));
      return true;
    }

    /** Writes a boxed fixed-width field, or its null bit. */
    public void putBoxed(int fieldIndex, Object v) {
      Field f = layout.fieldArray[fieldIndex];
      if (putNull(f, v)) {
        return;
      }
      int at = f.offset();
      switch (f.kind()) {
        case BOXED_BOOLEAN -> putBoolean(at, (Boolean) v);
        case BOXED_BYTE -> putByte(at, (Byte) v);
        case BOXED_SHORT -> putShort(at, (Short) v);
        case BOXED_CHAR -> putChar(at, (Character) v);
        case BOXED_INT -> putInt(at, (Integer) v);
        case BOXED_FLOAT -> putFloat(at, (Float) v);
        case BOXED_LONG -> putLong(at, (Long) v);
        case BOXED_DOUBLE -> putDouble(at, (Double) v);
        default -> throw new IllegalArgumentException(f.name() + " is not a boxed field but " + f.kind());
      }
    }

    /** Ends the variable-length field {@code f}, whose bytes (if any) were just appended. */
    private void endVar(Field f) {
      LittleEndian.putInt(out.buffer(), base + layout.tableOffset + 4 * f.varIndex(), out.position() - base);
    }

    /** Appends a {@code String} field, or sets its null bit. */
    public void putString(int fieldIndex, String v) {
      Field f = layout.fieldArray[fieldIndex];
      if (!putNull(f, v)) {
        out.writeUtf8(v);
      }
      endVar(f);
    }

    /** Appends a {@code byte[]} field, or sets its null bit. */
    public void putBytes(int fieldIndex, byte[] v) {
      Field f = layout.fieldArray[fieldIndex];
      if (!putNull(f, v)) {
        out.writeBytes(v, 0, v.length);
      }
      endVar(f);
    }

    /**
     * Appends a nested field encoded by its own codec, or sets its null bit. Nesting is counted
     * per thread, so a value that holds itself fails with a clear error instead of a stack
     * overflow.
     */
    public void putNested(int fieldIndex, Object v) {
      Field f = layout.fieldArray[fieldIndex];
      if (putNull(f, v)) {
        endVar(f);
        return;
      }
      int[] depth = NESTING.get();
      if (++depth[0] > MAX_NESTING) {
        depth[0] = 0;
        throw new IllegalArgumentException("a " + layout.className + " nests more than " + MAX_NESTING + " values deep,"
            + " or holds itself (a cycle): inkv's codec writes trees of values, not graphs");
      }
      try {
        InPlaceCodec.encodeInto(layout.nestedCodec(fieldIndex), out, v);
      } finally {
        depth[0] = Math.max(0, depth[0] - 1);
      }
      endVar(f);
    }
  }
}
