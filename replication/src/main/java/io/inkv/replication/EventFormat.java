package io.inkv.replication;

import io.inkv.store.document.Document;
import io.inkv.store.document.FieldType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The binary format of {@link Event}s: the value of every record in a store's topic.
 *
 * <p>Little-endian, like every inkv format. A header of 28 bytes:
 * <pre>
 *   offset size field
 *   0      2    magic 0x49 0x4B ("IK")
 *   2      1    format version, 1
 *   3      1    type: 1 PUT, 2 REMOVE, 3 DOC_UPSERT, 4 DOC_FIELD_DELETE, 5 CLEAR, 6 DROP_FIELDS
 *   4      8    event time, epoch milliseconds
 *   12     8    writer id
 *   20     8    writer sequence number
 * </pre>
 * then the body of the type, which must end exactly at the end of the value:
 * <ul>
 *   <li>PUT: i64 expiry time (epoch ms, 0 never), u32 value length, value bytes
 *   <li>REMOVE: nothing
 *   <li>DOC_UPSERT: u16 field count, then per field: u8 name length (1-255), UTF-8 name, u8 type code
 *       (1 INT32, 2 INT64, 3 FLOAT32, 4 FLOAT64, 5 BOOLEAN, 6 STRING, 7 BYTES), value: 4 or 8 bytes for
 *       the numbers (IEEE 754 bits for floats), 1 byte 0 or 1 for BOOLEAN, u32 length and bytes for STRING
 *       (UTF-8) and BYTES
 *   <li>DOC_FIELD_DELETE: u16 name count, then per name: u8 length, UTF-8 name
 *   <li>CLEAR: u32 partition count, u32 partition
 *   <li>DROP_FIELDS: u32 partition count, u32 partition, u8 mode (0 names, 1 prefix, 2 all), u16 name
 *       count, names as in DOC_FIELD_DELETE
 * </ul>
 *
 * <p>The record key is the store key for PUT, REMOVE, DOC_UPSERT and DOC_FIELD_DELETE; for CLEAR
 * and DROP_FIELDS it is {@link #controlKey(int)}: {@link #CONTROL_PREFIX} followed by the decimal
 * partition number, so that compaction keeps the latest whole-store event of each partition. Store
 * keys that start with {@code CONTROL_PREFIX} are refused by replicated stores.
 *
 * <p>{@link #decode} accepts any bytes: anything that is not a well-formed event of this version is
 * a {@link MalformedEventException} naming the problem, never another exception.
 */
public final class EventFormat {
  /** The format version this class writes and reads. */
  public static final int VERSION = 1;
  /** The size of the header. */
  public static final int HEADER_SIZE = 28;
  static final byte MAGIC0 = 0x49;
  static final byte MAGIC1 = 0x4B;
  static final int PUT = 1;
  static final int REMOVE = 2;
  static final int DOC_UPSERT = 3;
  static final int DOC_FIELD_DELETE = 4;
  static final int CLEAR = 5;
  static final int DROP_FIELDS = 6;
  private static final int MAX_NAME = 255;

  private static final byte[] CONTROL = {0, 0, 'i', 'n', 'k', 'v', '.', 'c', 'o', 'n', 't', 'r', 'o', 'l', 0};

  /** The first bytes of the record key of whole-store events: {@code \0\0inkv.control\0}. */
  public static byte[] controlPrefix() {
    return CONTROL.clone();
  }

  /** The prefix as a constant for documentation: two zero bytes, {@code inkv.control}, a zero byte. */
  public static final String CONTROL_PREFIX = "\0\0inkv.control\0";

  private EventFormat() {}

  /** Returns the record key of a whole-store event sent to {@code partition}. */
  public static byte[] controlKey(int partition) {
    byte[] digits = Integer.toString(partition).getBytes(StandardCharsets.US_ASCII);
    byte[] key = Arrays.copyOf(CONTROL, CONTROL.length + digits.length);
    System.arraycopy(digits, 0, key, CONTROL.length, digits.length);
    return key;
  }

  /** Returns whether {@code key} starts with the reserved prefix of whole-store events. */
  public static boolean isControlKey(byte[] key) {
    if (key.length < CONTROL.length || key[0] != 0) {
      return false;
    }
    return Arrays.equals(key, 0, CONTROL.length, CONTROL, 0, CONTROL.length);
  }

  /*
   * The topic descriptor: the record a replica writes to partition 0 of a topic that holds none,
   * before it writes anything else, saying what kind of store the topic replicates and in what
   * format its values are (see TopicDescriptor). Its value has the event header with type
   * DESCRIPTOR and a body of u8 kind, u16 length and the UTF-8 format name; its key is
   * DESCRIPTOR_KEY followed by the writer id in hex, one key per writer, so that compaction
   * (which keeps the latest record of each key) never removes the first one.
   */
  static final int DESCRIPTOR = 7;
  private static final byte[] DESCRIPTOR_KEY = "\0\0inkv.control\0descriptor\0".getBytes(StandardCharsets.US_ASCII);

  static byte[] descriptorKey(long writerId) {
    byte[] id = Long.toHexString(writerId).getBytes(StandardCharsets.US_ASCII);
    byte[] key = Arrays.copyOf(DESCRIPTOR_KEY, DESCRIPTOR_KEY.length + id.length);
    System.arraycopy(id, 0, key, DESCRIPTOR_KEY.length, id.length);
    return key;
  }

  static boolean isDescriptorKey(byte[] key) {
    return key != null && key.length >= DESCRIPTOR_KEY.length
        && Arrays.equals(key, 0, DESCRIPTOR_KEY.length, DESCRIPTOR_KEY, 0, DESCRIPTOR_KEY.length);
  }

  static byte[] encodeDescriptor(TopicDescriptor d) {
    Writer w = new Writer();
    w.u8(MAGIC0).u8(MAGIC1).u8(VERSION).u8(DESCRIPTOR).i64(d.time()).i64(d.writerId()).i64(0);
    w.u8(d.kind().ordinal() + 1);
    byte[] name = d.format().getBytes(StandardCharsets.UTF_8);
    w.u16(name.length, "format name length").raw(name);
    return w.toArray();
  }

  static TopicDescriptor decodeDescriptor(byte[] bytes) throws MalformedEventException {
    if (bytes == null || bytes.length < 2 || bytes[0] != MAGIC0 || bytes[1] != MAGIC1) {
      throw new MalformedEventException("not an inkv topic descriptor: " + (bytes == null ? "no value" : preview(bytes)));
    }
    Reader r = new Reader(bytes);
    r.need(HEADER_SIZE, "header");
    if ((bytes[2] & 0xff) != VERSION || (bytes[3] & 0xff) != DESCRIPTOR) {
      throw new MalformedEventException("a record under a descriptor key with version " + (bytes[2] & 0xff) + " and type "
          + (bytes[3] & 0xff) + ", not a topic descriptor");
    }
    r.pos = 4;
    long time = r.i64();
    long writer = r.i64();
    r.i64();
    int kind = r.u8();
    if (kind < 1 || kind > TopicDescriptor.Kind.values().length) {
      throw new MalformedEventException("unknown store kind " + kind + " in a topic descriptor");
    }
    int n = r.u16();
    r.need(n, "format name");
    String format = new String(bytes, r.pos, n, StandardCharsets.UTF_8);
    r.pos += n;
    if (r.pos != bytes.length) {
      throw new MalformedEventException((bytes.length - r.pos) + " trailing bytes after a topic descriptor");
    }
    return new TopicDescriptor(TopicDescriptor.Kind.values()[kind - 1], format, writer, time);
  }

  /** The first bytes of a record value, as text if they are printable ASCII, else in hex: for messages. */
  static String preview(byte[] bytes) {
    int n = Math.min(bytes.length, 24);
    boolean text = n > 0;
    for (int i = 0; i < n; i++) {
      text &= bytes[i] >= 0x20 && bytes[i] < 0x7f || bytes[i] == '\n' || bytes[i] == '\t' || bytes[i] == '\r';
    }
    StringBuilder s = new StringBuilder();
    if (text) {
      s.append("text \"").append(new String(bytes, 0, n, StandardCharsets.US_ASCII).replace("\n", "\\n")
          .replace("\r", "\\r").replace("\t", "\\t")).append(bytes.length > n ? "...\"" : "\"");
    } else {
      s.append("bytes 0x");
      for (int i = 0; i < n; i++) {
        s.append(String.format("%02x", bytes[i]));
      }
      if (bytes.length > n) {
        s.append("...");
      }
    }
    return s.toString();
  }

  /** Encodes {@code event}. */
  public static byte[] encode(Event event) {
    Writer w = new Writer();
    if (event instanceof Event.Put p) {
      w.header(PUT, event).i64(p.expireAt()).bytes(p.value());
    } else if (event instanceof Event.Remove) {
      w.header(REMOVE, event);
    } else if (event instanceof Event.DocUpsert u) {
      Map<String, Object> fields = u.fields().asMap();
      w.header(DOC_UPSERT, event).u16(fields.size(), "field count");
      for (Map.Entry<String, Object> f : fields.entrySet()) {
        w.name(f.getKey());
        writeValue(w, f.getKey(), f.getValue());
      }
    } else if (event instanceof Event.DocFieldDelete d) {
      w.header(DOC_FIELD_DELETE, event).names(d.names());
    } else if (event instanceof Event.Clear c) {
      w.header(CLEAR, event).i32(c.partitionCount()).i32(c.partition());
    } else if (event instanceof Event.DropFields d) {
      w.header(DROP_FIELDS, event).i32(d.partitionCount()).i32(d.partition()).u8(d.mode().ordinal()).names(d.names());
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
    return w.toArray();
  }

  private static void writeValue(Writer w, String name, Object value) {
    FieldType type = FieldType.of(value);
    if (type == null) {
      throw new IllegalArgumentException("field '" + name + "' holds a " + (value == null ? "null" : value.getClass().getName())
          + ", which no field type holds");
    }
    w.u8(type.code());
    if (type.isFixedWidth()) {
      w.raw(valueBytes(value));
    } else {
      w.bytes(valueBytes(value));
    }
  }

  /**
   * Returns the bytes of a document field value as this format writes them, without the type code
   * and, for STRING and BYTES, without the length: the bytes a partitioning field is hashed on.
   */
  public static byte[] valueBytes(Object value) {
    ByteBuffer b;
    if (value instanceof Integer i) {
      b = le(4).putInt(i);
    } else if (value instanceof Long l) {
      b = le(8).putLong(l);
    } else if (value instanceof Float f) {
      b = le(4).putInt(Float.floatToRawIntBits(f));
    } else if (value instanceof Double d) {
      b = le(8).putLong(Double.doubleToRawLongBits(d));
    } else if (value instanceof Boolean z) {
      return new byte[] {(byte) (z ? 1 : 0)};
    } else if (value instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    } else if (value instanceof byte[] bytes) {
      return bytes.clone();
    } else {
      throw new IllegalArgumentException("no field type holds a " + (value == null ? "null" : value.getClass().getName()));
    }
    return b.array();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Decodes one record value.
   *
   * @throws MalformedEventException if {@code bytes} is null or not a well-formed event of version
   *     {@value #VERSION}, with the problem in the message
   */
  public static Event decode(byte[] bytes) throws MalformedEventException {
    if (bytes == null) {
      throw new MalformedEventException("the record has no value (a tombstone); inkv writes none");
    }
    if (bytes.length < 2 || bytes[0] != MAGIC0 || bytes[1] != MAGIC1) {
      throw new MalformedEventException("not an inkv event: " + bytes.length + " bytes that do not begin with the magic"
          + " bytes \"IK\" (0x494b) of every inkv event: " + preview(bytes));
    }
    Reader r = new Reader(bytes);
    r.need(HEADER_SIZE, "header");
    int version = bytes[2] & 0xff;
    if (version != VERSION) {
      throw new MalformedEventException("format version " + version + " is not supported (this reader knows " + VERSION + ")");
    }
    int type = bytes[3] & 0xff;
    r.pos = 4;
    long time = r.i64();
    long writer = r.i64();
    long seq = r.i64();
    Event e = switch (type) {
      case PUT -> {
        long expireAt = r.i64();
        if (expireAt < 0) {
          throw new MalformedEventException("negative expiry time " + expireAt);
        }
        yield new Event.Put(time, writer, seq, r.bytes("value"), expireAt);
      }
      case REMOVE -> new Event.Remove(time, writer, seq);
      case DOC_UPSERT -> {
        int n = r.u16();
        Document.Builder doc = Document.builder();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String name = r.name();
          if (seen.contains(name)) {
            throw new MalformedEventException("field '" + name + "' appears twice");
          }
          seen.add(name);
          Object value = r.value(name);
          try {
            doc.putObject(name, value);
          } catch (IllegalArgumentException bad) {
            throw new MalformedEventException("field '" + name + "': " + bad.getMessage());
          }
        }
        yield new Event.DocUpsert(time, writer, seq, doc.build());
      }
      case DOC_FIELD_DELETE -> new Event.DocFieldDelete(time, writer, seq, r.names());
      case CLEAR -> {
        int count = r.partitionCount();
        yield new Event.Clear(time, writer, seq, count, r.partition(count));
      }
      case DROP_FIELDS -> {
        int count = r.partitionCount();
        int partition = r.partition(count);
        int mode = r.u8();
        if (mode > 2) {
          throw new MalformedEventException("unknown drop mode " + mode);
        }
        Event.DropMode m = Event.DropMode.values()[mode];
        List<String> names = r.names();
        if (m == Event.DropMode.PREFIX && names.size() != 1) {
          throw new MalformedEventException("a prefix drop carries one prefix, not " + names.size());
        }
        yield new Event.DropFields(time, writer, seq, count, partition, m, names);
      }
      default -> throw new MalformedEventException("unknown event type " + type);
    };
    if (r.pos != bytes.length) {
      throw new MalformedEventException((bytes.length - r.pos) + " bytes after the end of a " + e.getClass().getSimpleName()
          + " event");
    }
    return e;
  }

  /** A record value that is not a well-formed event; the message says what is wrong. */
  public static final class MalformedEventException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedEventException(String message) {
      super(message);
    }
  }

  private static final class Writer {
    private byte[] buf = new byte[64];
    private int pos;

    private void ensure(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    Writer header(int type, Event e) {
      return u8(MAGIC0).u8(MAGIC1).u8(VERSION).u8(type).i64(e.time()).i64(e.writerId()).i64(e.sequence());
    }

    Writer u8(int v) {
      ensure(1);
      buf[pos++] = (byte) v;
      return this;
    }

    Writer u16(int v, String what) {
      if (v > 0xFFFF) {
        throw new IllegalArgumentException("too many: " + what + " " + v + " > 65535");
      }
      return u8(v).u8(v >>> 8);
    }

    Writer i32(int v) {
      return u8(v).u8(v >>> 8).u8(v >>> 16).u8(v >>> 24);
    }

    Writer i64(long v) {
      return i32((int) v).i32((int) (v >>> 32));
    }

    Writer raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
      return this;
    }

    Writer bytes(byte[] b) {
      return i32(b.length).raw(b);
    }

    Writer name(String name) {
      byte[] b = name.getBytes(StandardCharsets.UTF_8);
      if (b.length == 0 || b.length > MAX_NAME) {
        throw new IllegalArgumentException("a field name is 1 to 255 UTF-8 bytes: '" + name + "'");
      }
      return u8(b.length).raw(b);
    }

    Writer names(List<String> names) {
      u16(names.size(), "name count");
      for (String n : names) {
        name(n);
      }
      return this;
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, pos);
    }
  }

  private static final class Reader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b) {
      this.b = b;
    }

    void need(int n, String what) throws MalformedEventException {
      if (n < 0 || n > b.length - pos) {
        throw new MalformedEventException("truncated: " + what + " needs " + n + " bytes at offset " + pos + ", "
            + (b.length - pos) + " left");
      }
    }

    int u8() throws MalformedEventException {
      need(1, "a byte");
      return b[pos++] & 0xff;
    }

    int u16() throws MalformedEventException {
      need(2, "a count");
      int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
      pos += 2;
      return v;
    }

    int i32() throws MalformedEventException {
      need(4, "an int");
      int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
      pos += 4;
      return v;
    }

    long i64() throws MalformedEventException {
      long lo = i32() & 0xffffffffL;
      long hi = i32() & 0xffffffffL;
      return lo | hi << 32;
    }

    int length(String what) throws MalformedEventException {
      int n = i32();
      if (n < 0) {
        throw new MalformedEventException("negative " + what + " length " + n);
      }
      need(n, what);
      return n;
    }

    byte[] bytes(String what) throws MalformedEventException {
      int n = length(what);
      byte[] v = Arrays.copyOfRange(b, pos, pos + n);
      pos += n;
      return v;
    }

    String utf8(int n, String what) throws MalformedEventException {
      need(n, what);
      try {
        CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, pos, n));
        pos += n;
        return chars.toString();
      } catch (CharacterCodingException e) {
        throw new MalformedEventException(what + " at offset " + pos + " is not valid UTF-8");
      }
    }

    String name() throws MalformedEventException {
      int n = u8();
      if (n == 0) {
        throw new MalformedEventException("empty field name at offset " + (pos - 1));
      }
      return utf8(n, "field name");
    }

    List<String> names() throws MalformedEventException {
      int n = u16();
      List<String> names = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        names.add(name());
      }
      return List.copyOf(names);
    }

    Object value(String name) throws MalformedEventException {
      int code = u8();
      FieldType type = FieldType.ofCode(code);
      if (type == null) {
        throw new MalformedEventException("field '" + name + "' has unknown type code " + code);
      }
      return switch (type) {
        case INT32 -> i32();
        case INT64 -> i64();
        case FLOAT32 -> Float.intBitsToFloat(i32());
        case FLOAT64 -> Double.longBitsToDouble(i64());
        case BOOLEAN -> {
          int v = u8();
          if (v > 1) {
            throw new MalformedEventException("BOOLEAN field '" + name + "' holds " + v + ", not 0 or 1");
          }
          yield v == 1;
        }
        case STRING -> utf8(length("STRING field '" + name + "'"), "STRING field '" + name + "'");
        case BYTES -> bytes("BYTES field '" + name + "'");
      };
    }

    int partitionCount() throws MalformedEventException {
      int n = i32();
      if (n <= 0) {
        throw new MalformedEventException("partition count " + n + " is not positive");
      }
      return n;
    }

    int partition(int count) throws MalformedEventException {
      int p = i32();
      if (p < 0 || p >= count) {
        throw new MalformedEventException("partition " + p + " is outside 0.." + (count - 1));
      }
      return p;
    }
  }
}
