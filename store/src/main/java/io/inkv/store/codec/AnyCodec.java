package io.inkv.store.codec;

import io.inkv.store.memory.Region;
import java.util.IdentityHashMap;
import java.util.Map;

/*
 * The codec of a cache whose type is Object or an interface: the first byte says how the rest
 * is encoded. Tags 1-18 are the built-in codecs (so a Long key is 9 bytes, not the ~80 bytes of a
 * serialized Long); tag 19 is a record in its generated field-by-field layout, after its class
 * name (u16 length + UTF-8); tag 127 is Java serialization. Tags are part of the stored format:
 * never renumber one, only add.
 *
 * Tag 19 matters because Spring's caches are typed Object: a record there was Java-serialized,
 * about 7 us per read for three fields, where the generated layout decodes in well under a
 * microsecond. Only records take it (their canonical constructor rebuilds them, and the layout's
 * fingerprint rejects bytes written by another version of the class); plain objects keep Java
 * serialization, whose rules (transient fields, custom hooks) their authors may rely on. Values
 * stored under tag 127 before tag 19 existed still decode.
 */
final class AnyCodec<T> implements Codec<T> {
  private static final byte SERIALIZED = 127;
  private static final byte RECORD = 19;
  private static final Codec<?> NOT_GENERATED = new AnyCodec<>(Object.class, null);
  private static final BuiltinCodec<?>[] BY_TAG = {
    null,
    BuiltinCodec.STRING, BuiltinCodec.BYTES, BuiltinCodec.BOOLEAN, BuiltinCodec.BYTE,
    BuiltinCodec.SHORT, BuiltinCodec.CHARACTER, BuiltinCodec.INTEGER, BuiltinCodec.LONG,
    BuiltinCodec.FLOAT, BuiltinCodec.DOUBLE, BuiltinCodec.UUIDS, BuiltinCodec.INSTANT,
    BuiltinCodec.DURATION, BuiltinCodec.LOCAL_DATE, BuiltinCodec.LOCAL_TIME,
    BuiltinCodec.LOCAL_DATE_TIME, BuiltinCodec.OFFSET_DATE_TIME, BuiltinCodec.ZONED_DATE_TIME,
  };
  private static final Map<Class<?>, Byte> TAGS = new IdentityHashMap<>();

  static {
    for (int tag = 1; tag < BY_TAG.length; tag++) {
      TAGS.put(BY_TAG[tag].type(), (byte) tag);
    }
  }

  private final Class<T> type;
  private final ClassLoader classLoader;
  private final java.util.concurrent.ConcurrentHashMap<Class<?>, Codec<?>> recordCodecs =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentHashMap<String, Codec<?>> recordCodecsByName =
      new java.util.concurrent.ConcurrentHashMap<>();

  AnyCodec(Class<T> type, ClassLoader classLoader) {
    this.type = type;
    this.classLoader = classLoader;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  @SuppressWarnings("unchecked")
  public byte[] encode(T value) {
    Byte tag = TAGS.get(value.getClass());
    type.cast(value);
    byte[] body;
    byte t;
    Codec<Object> generated = tag == null ? (Codec<Object>) recordCodec(value.getClass()) : null;
    if (tag != null) {
      t = tag;
      body = ((Codec<Object>) BY_TAG[t]).encode(value);
    } else if (generated != null) {
      byte[] name = value.getClass().getName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] layout = generated.encode(value);
      byte[] out = new byte[3 + name.length + layout.length];
      out[0] = RECORD;
      out[1] = (byte) (name.length >>> 8);
      out[2] = (byte) name.length;
      System.arraycopy(name, 0, out, 3, name.length);
      System.arraycopy(layout, 0, out, 3 + name.length, layout.length);
      return out;
    } else {
      t = SERIALIZED;
      body = SerializingCodec.write(value);
    }
    byte[] out = new byte[body.length + 1];
    out[0] = t;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  @Override
  public T decode(Region region, int offset, int length) {
    if (length < 1) {
      throw new DecodeException("an empty value has no type tag");
    }
    byte tag = region.getByte(offset);
    Object value;
    if (tag == SERIALIZED) {
      byte[] copy = new byte[length - 1];
      region.getBytes(offset + 1, copy, 0, length - 1);
      value = SerializingCodec.read(copy, 0, copy.length, classLoader);
    } else if (tag == RECORD) {
      value = decodeRecord(region, offset, length);
    } else if (tag > 0 && tag < BY_TAG.length) {
      value = BY_TAG[tag].decode(region, offset + 1, length - 1);
    } else {
      throw new DecodeException("unknown type tag " + tag);
    }
    if (!type.isInstance(value)) {
      throw new DecodeException("expected a " + type.getName() + " but read a " + value.getClass().getName());
    }
    return type.cast(value);
  }

  /** Returns the generated codec of a record class, or null if it is not a record the generator takes. */
  private Codec<?> recordCodec(Class<?> c) {
    if (!c.isRecord()) {
      return null;
    }
    Codec<?> codec = recordCodecs.computeIfAbsent(c, k -> {
      if (Codecs.hasCustomSerialization(k)) {
        return NOT_GENERATED;
      }
      try {
        return LayoutCodec.create(k, classLoader);
      } catch (IllegalArgumentException e) {
        return NOT_GENERATED;
      }
    });
    return codec == NOT_GENERATED ? null : codec;
  }

  private Object decodeRecord(Region region, int offset, int length) {
    if (length < 3) {
      throw new DecodeException("a record value is too short for its class name");
    }
    int nameLength = ((region.getByte(offset + 1) & 0xFF) << 8) | (region.getByte(offset + 2) & 0xFF);
    if (3 + nameLength > length) {
      throw new DecodeException("a record's class name runs past the value");
    }
    byte[] name = new byte[nameLength];
    region.getBytes(offset + 3, name, 0, nameLength);
    String className = new String(name, java.nio.charset.StandardCharsets.UTF_8);
    Codec<?> codec = recordCodecsByName.computeIfAbsent(className, n -> {
      Class<?> c;
      try {
        c = Class.forName(n, false, classLoader == null ? AnyCodec.class.getClassLoader() : classLoader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new DecodeException("the stored record class " + n + " cannot be loaded: " + e, e);
      }
      Codec<?> generated = recordCodec(c);
      if (generated == null) {
        throw new DecodeException("the stored class " + n + " is not a record the codec generator takes");
      }
      return generated;
    });
    return codec.decode(region, offset + 3 + nameLength, length - 3 - nameLength);
  }

  @Override
  public T decode(byte[] bytes, int offset, int length) {
    return decode(new HeapRegion(bytes), offset, length);
  }

  @Override
  public String toString() {
    return "AnyCodec[" + type.getName() + "]";
  }
}
