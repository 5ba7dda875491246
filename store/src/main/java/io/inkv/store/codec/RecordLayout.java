package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.LittleEndian;
import io.inkv.store.memory.Region;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
  private final int legacyFingerprint;
  private final byte[] plainBody;
  /*
   * The schema values carry and the fingerprint they start with: set at construction for a
   * layout without nested fields and for a writer's layout read from a schema, and on first use
   * (resolve) for a class with nested fields, whose schema includes those of the nested layouts.
   * Schema's fields are final, so a racy first use publishes it safely (two threads may both
   * build the same schema).
   */
  private Schema resolved;
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
    this.plainBody = body(className, fieldArray, null, null);
    if (plainBody.length > 0xFFFF) {
      throw new IllegalArgumentException(className + " has too many fields for a generated codec (a schema of "
          + plainBody.length + " bytes)");
    }
    boolean anyNested = false;
    for (Kind k : kinds) {
      anyNested |= k == Kind.NESTED;
    }
    if (types != null && !anyNested) {
      this.resolved = new Schema(plainBody, Map.of(), new boolean[n], true);
    }
  }

  private static final int FNV_BASIS = 0x811C9DC5;
  private static final byte SCHEMA_VERSION = 1;
  /** The schema version of a layout with nested layouts written without their trailers. */
  private static final byte SCHEMA_VERSION_EMBEDDING = 2;

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
   * A layout's own schema (its body): version, FNV-1a of the class name, field count, and per
   * field its kind's ordinal, name and (for NESTED fields) declared type name. In version 2 (a
   * layout with embedded nested layouts) a NESTED field's type is a varint instead: k > 0 for the
   * same type as the k-th distinct nested type before it, or 0 followed by the type name, a byte
   * (1 if its values are written as bodies without their own trailer, 0 if they stand alone) and,
   * when 1, the fingerprint of that type's layout; so ten fields of one class name it once. The
   * fingerprint is the hash of the body; since a body names its nested layouts by their
   * fingerprints, it changes when any nested layout changes.
   */
  private static byte[] body(String className, Field[] fields, boolean[] embedded, int[] nestedFingerprints) {
    ByteOutput out = new ByteOutput(64);
    out.writeByte(embedded == null ? SCHEMA_VERSION : SCHEMA_VERSION_EMBEDDING);
    out.writeInt(fnv(FNV_BASIS, className.getBytes(StandardCharsets.UTF_8)));
    out.writeVarInt(fields.length);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < fields.length; i++) {
      Kind kind = fields[i].kind();
      String typeName = fields[i].typeName();
      out.writeByte(kind.ordinal());
      out.writeString(fields[i].name());
      if (embedded == null || kind != Kind.NESTED) {
        out.writeString(kind == Kind.NESTED ? typeName : "");
        continue;
      }
      int ref = seen.indexOf(typeName);
      out.writeVarInt(ref + 1);
      if (ref < 0) {
        seen.add(typeName);
        out.writeString(typeName);
        out.writeByte(embedded[i] ? 1 : 0);
        if (embedded[i]) {
          out.writeInt(nestedFingerprints[i]);
        }
      }
    }
    return out.toByteArray();
  }

  /*
   * What the values of a layout carry and start with. bytes is the schema a value that stands
   * alone ends with (then its length, uint16: the trailer) and a tagged class definition holds:
   * the body, and in version 2 the bodies of every nested layout written without its trailer,
   * directly or further down (a varint count, then each sized), each once, so a value of another
   * version is read with the schemas it was written with.
   */
  static final class Schema {
    final byte[] body;
    final byte[] bytes;
    final byte[] trailer;
    final int fingerprint;
    final boolean[] embedded;
    final Map<Integer, byte[]> definitions;
    /* No nested layout reaches back to this one's class: only then may an enclosing layout embed it. */
    final boolean acyclic;

    Schema(byte[] body, Map<Integer, byte[]> definitions, boolean[] embedded, boolean acyclic) {
      this.body = body;
      this.fingerprint = fnv(FNV_BASIS, body);
      this.embedded = embedded;
      this.definitions = definitions;
      this.acyclic = acyclic;
      if (body[0] == SCHEMA_VERSION) {
        this.bytes = body;
      } else {
        ByteOutput out = new ByteOutput(body.length + 64 * definitions.size());
        out.writeBytes(body, 0, body.length);
        out.writeVarInt(definitions.size());
        for (byte[] d : definitions.values()) {
          out.writeSized(d);
        }
        this.bytes = out.toByteArray();
      }
      this.trailer = Arrays.copyOf(bytes, bytes.length + 2);
      LittleEndian.putShort(trailer, bytes.length, (short) bytes.length);
    }
  }

  /** Returns this layout's schema, building it on first use for a class with nested fields. */
  Schema resolved() {
    Schema s = resolved;
    return s != null ? s : resolve();
  }

  private static final class Frame {
    final Class<?> type;
    boolean cyclic;

    Frame(Class<?> type) {
      this.type = type;
    }
  }

  private static final ThreadLocal<ArrayList<Frame>> RESOLVING = ThreadLocal.withInitial(ArrayList::new);

  /*
   * Builds the schema of a class with nested fields. A nested field whose codec is a generated
   * layout is written without its trailer (embedded) when no layout reachable from it reaches
   * back (acyclic): then its schema, and those below it, go into this one's once. A class that
   * holds itself, directly or through others, keeps its nested values standing alone, each with
   * its trailer, as every value was written before version 2; so does a field whose codec is not
   * a layout (collections, interfaces: the tagged format defines its classes itself). The walk
   * goes by class over the layouts being resolved on this thread: meeting a class already on the
   * stack is a cycle that every class on the stack reaches. Whether a class is acyclic does not
   * depend on where the walk started, so every process gives a class the same schema.
   */
  private Schema resolve() {
    ArrayList<Frame> stack = RESOLVING.get();
    Frame me = new Frame(type);
    stack.add(me);
    try {
      int n = fieldArray.length;
      boolean[] embedded = new boolean[n];
      int[] fingerprints = new int[n];
      Map<Integer, byte[]> definitions = new LinkedHashMap<>();
      boolean any = false;
      for (Field f : fieldArray) {
        if (f.kind() != Kind.NESTED) {
          continue;
        }
        Codec<?> codec;
        try {
          codec = nestedCodec(f.index());
        } catch (IllegalArgumentException e) {
          continue; // a type without a codec: encoding a non-null value of it reports why
        }
        if (!(codec instanceof LayoutCodec<?> inner)) {
          continue;
        }
        boolean onStack = false;
        for (Frame frame : stack) {
          onStack |= frame.type == inner.type();
        }
        if (onStack) {
          markCyclic(stack);
          continue;
        }
        Schema s = inner.layout().resolved();
        if (!s.acyclic) {
          markCyclic(stack);
          continue;
        }
        embedded[f.index()] = true;
        fingerprints[f.index()] = s.fingerprint;
        any = true;
        definitions.putIfAbsent(s.fingerprint, s.body);
        s.definitions.forEach(definitions::putIfAbsent);
      }
      Schema schema = null;
      if (any) {
        schema = new Schema(body(className, fieldArray, embedded, fingerprints),
            Collections.unmodifiableMap(definitions), embedded, !me.cyclic);
      }
      if (schema == null || schema.bytes.length > 0xFFFF) {
        schema = new Schema(plainBody, Map.of(), new boolean[n], !me.cyclic);
      }
      resolved = schema;
      return schema;
    } finally {
      stack.remove(stack.size() - 1);
    }
  }

  private static void markCyclic(List<Frame> stack) {
    for (Frame f : stack) {
      f.cyclic = true;
    }
  }

  /**
   * Reads the layout a writer used from its schema bytes (a trailer's or a class definition's:
   * the body and, in version 2, the definitions of its nested layouts); the result knows kinds,
   * names and type names, not classes, and its {@link #fingerprint()} is the hash of the body.
   *
   * @throws Codec.DecodeException if the bytes are not a schema
   */
  static RecordLayout fromSchema(Region region, int offset, int length, Class<?> readerType) {
    return parse(region, offset, length, readerType, null);
  }

  /**
   * Reads the layout of a nested value written without its trailer from its body, one of the
   * {@code definitions} of the enclosing value's schema (which its own nested layouts use too).
   */
  static RecordLayout fromBody(byte[] body, Class<?> readerType, Map<Integer, byte[]> definitions) {
    return parse(new HeapRegion(body), 0, body.length, readerType, definitions);
  }

  private static RecordLayout parse(Region region, int offset, int length, Class<?> readerType,
      Map<Integer, byte[]> inherited) {
    ValueReader in = new ValueReader(region, offset, length);
    int version = in.readByte();
    if (version != SCHEMA_VERSION && version != SCHEMA_VERSION_EMBEDDING) {
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
    boolean[] embedded = new boolean[n];
    Kind[] all = Kind.values();
    List<String> seenTypes = new ArrayList<>();
    List<Boolean> seenEmbedded = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = in.readByte() & 0xFF;
      if (k >= all.length) {
        throw new Codec.DecodeException("unknown field kind " + k + " in a stored " + readerType.getName());
      }
      kinds[i] = all[k];
      names.add(in.readString());
      if (version == SCHEMA_VERSION || kinds[i] != Kind.NESTED) {
        String t = in.readString();
        typeNames[i] = kinds[i] == Kind.NESTED ? t : kinds[i].typeName();
        continue;
      }
      int ref = in.readVarInt();
      if (ref > seenTypes.size()) {
        throw new Codec.DecodeException("a stored schema of " + readerType.getName() + " is damaged: field "
            + names.get(i) + " refers to nested type " + ref + " of " + seenTypes.size());
      }
      if (ref > 0) {
        typeNames[i] = seenTypes.get(ref - 1);
        embedded[i] = seenEmbedded.get(ref - 1);
        continue;
      }
      typeNames[i] = in.readString();
      int flag = in.readByte();
      if (flag != 0 && flag != 1) {
        throw new Codec.DecodeException("a stored schema of " + readerType.getName() + " is damaged: field "
            + names.get(i) + " has embedding flag " + flag);
      }
      embedded[i] = flag == 1;
      if (embedded[i]) {
        in.readInt(); // the nested layout's fingerprint, which its values start with too
      }
      seenTypes.add(typeNames[i]);
      seenEmbedded.add(embedded[i]);
    }
    byte[] body = new byte[in.position() - offset];
    region.getBytes(offset, body, 0, body.length);
    Map<Integer, byte[]> definitions = inherited == null ? Map.of() : inherited;
    if (inherited == null && version == SCHEMA_VERSION_EMBEDDING) {
      int count = in.readCount(1);
      definitions = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        byte[] d = in.readSized();
        definitions.put(fnv(FNV_BASIS, d), d);
      }
    }
    if (in.remaining() != 0) {
      throw new Codec.DecodeException("a stored schema of " + readerType.getName() + " has " + in.remaining() + " bytes too many");
    }
    RecordLayout layout = new RecordLayout(null, readerType.getName(), names, kinds, typeNames, null, null);
    layout.resolved = new Schema(body, definitions, embedded, true);
    return layout;
  }

  /** Returns the fingerprint the codec wrote before values carried their schema. */
  int legacyFingerprint() {
    return legacyFingerprint;
  }

  /** Returns the schema bytes (see {@link #fromSchema}). */
  byte[] schema() {
    return resolved().bytes;
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
    return resolved().fingerprint;
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
    int fingerprint = resolved().fingerprint;
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
        Schema schema = resolved();
        if (!schema.embedded[fieldIndex]) {
          return nestedCodec.decode(region, base + start, end - start);
        }
        if (!(nestedCodec instanceof LayoutCodec<?> inner)) {
          throw new Codec.DecodeException(className + "." + f.name() + " was stored field by field as a " + f.typeName()
              + ", which is not encoded that way now (" + nestedCodec + ")");
        }
        return inner.decodeEmbedded(region, base + start, end - start, schema.definitions);
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
    Codec<?> codec = nestedCodec(fieldIndex);
    Schema schema = resolved();
    return schema.embedded[fieldIndex]
        ? ((LayoutCodec<?>) codec).decodeEmbedded(region, base + start, end - start, schema.definitions)
        : codec.decode(region, base + start, end - start);
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
    byte[] trailer = resolved().trailer;
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
    private final Schema schema;
    private final ByteOutput out;
    private final int base;

    Writer(RecordLayout layout, ByteOutput out) {
      this.layout = layout;
      this.schema = layout.resolved();
      this.out = out;
      this.base = out.reserve(layout.dataOffset);
      putInt(FINGERPRINT_OFFSET, schema.fingerprint);
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
        Codec<?> codec = layout.nestedCodec(fieldIndex);
        if (schema.embedded[fieldIndex]) {
          ((LayoutCodec<?>) codec).writeBody(out, v);
        } else {
          InPlaceCodec.encodeInto(codec, out, v);
        }
      } finally {
        depth[0] = Math.max(0, depth[0] - 1);
      }
      endVar(f);
    }
  }
}
