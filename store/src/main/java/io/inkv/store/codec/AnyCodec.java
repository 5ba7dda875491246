package io.inkv.store.codec;

import io.inkv.store.memory.Region;
import java.util.IdentityHashMap;
import java.util.Map;

/*
 * The codec of a cache whose type is Object or an interface: the first byte says how the rest
 * is encoded. Tags 1-18 are the built-in codecs (so a Long key is 9 bytes, not the ~80 bytes of a
 * serialized Long); tag 127 is Java serialization. Tags are part of the stored format: never
 * renumber one, only add.
 */
final class AnyCodec<T> implements Codec<T> {
  private static final byte SERIALIZED = 127;
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
    if (tag != null) {
      t = tag;
      body = ((Codec<Object>) BY_TAG[t]).encode(value);
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

  @Override
  public T decode(byte[] bytes, int offset, int length) {
    return decode(new HeapRegion(bytes), offset, length);
  }

  @Override
  public String toString() {
    return "AnyCodec[" + type.getName() + "]";
  }
}
