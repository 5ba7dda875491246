package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.Region;
import java.util.IdentityHashMap;
import java.util.Map;

/*
 * The codec of a cache whose type is Object, an interface, an abstract class, a JDK collection or
 * map, an array, Optional, BigDecimal or BigInteger: the first byte says how the rest is encoded.
 *
 *   1-18  a built-in type, the rest of the value in its built-in codec (a Long key is 9 bytes, not
 *         the ~80 bytes of a serialized Long; equal keys give equal bytes)
 *   19    an object in its generated layout: class name (u16 length + UTF-8), then the layout's
 *         bytes with their schema (LayoutCodec), so another version of the class still reads it
 *   20    anything else, in the tagged format (TaggedFormat): collections, maps, arrays, enums,
 *         Optional, big numbers, and objects of any generated class nested in them
 *   127   Java serialization: only for classes that define writeObject, readObject, writeReplace,
 *         readResolve or are Externalizable (they asked for it), or that the generator cannot
 *         build; each such class is reported once (JavaSerialization)
 * Tags are part of the stored format: never renumber one, only add.
 *
 * Values stored before tag 20 existed still decode: tag 127 from the earlier fallback, tag 19
 * records in the layout without a schema (their fingerprint is the earlier one), and values of a
 * concrete JDK type (an ArrayList, say) that the typed codec wrote as a bare serialization stream
 * (first bytes 0xACED, a tag no kind uses).
 *
 * A decode throws nothing but DecodeException, whatever the bytes.
 */
final class AnyCodec<T> implements InPlaceCodec<T> {
  private static final byte SERIALIZED = 127;
  private static final byte RECORD = 19;
  private static final byte TAGGED = 20;
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
  private final TaggedFormat format;

  AnyCodec(Class<T> type, ClassLoader classLoader) {
    this.type = type;
    this.classLoader = classLoader;
    this.format = new TaggedFormat(classLoader);
  }

  static Byte builtinTag(Class<?> c) {
    return TAGS.get(c);
  }

  static BuiltinCodec<?> builtin(int tag) {
    return BY_TAG[tag];
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void encodeInto(ByteOutput out, T value) {
    Class<?> c = value.getClass();
    type.cast(value);
    Byte tag = TAGS.get(c);
    if (tag != null) {
      out.writeByte(tag);
      if (c == String.class) {
        out.writeUtf8((String) value);
      } else if (c == byte[].class) {
        out.writeBytes((byte[]) value, 0, ((byte[]) value).length);
      } else {
        InPlaceCodec.encodeInto(BY_TAG[tag], out, value);
      }
      return;
    }
    LayoutCodec<Object> layout = (LayoutCodec<Object>) format.layoutCodec(c);
    if (layout != null) {
      out.writeByte(RECORD);
      int at = out.reserve(2);
      out.writeUtf8(c.getName());
      int nameLength = out.position() - at - 2;
      out.buffer()[at] = (byte) (nameLength >>> 8);
      out.buffer()[at + 1] = (byte) nameLength;
      layout.encodeInto(out, value);
      return;
    }
    out.writeByte(TAGGED);
    try {
      format.write(out, value, 0);
    } catch (StackOverflowError e) {
      throw new IllegalArgumentException("a " + c.getName() + " holds itself (a cycle) or nests too deeply to encode;"
          + " inkv's codec writes trees of values, not graphs", e);
    }
  }

  @Override
  public T decode(Region region, int offset, int length) {
    Object value;
    try {
      value = decodeAny(region, offset, length);
    } catch (DecodeException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new DecodeException("cannot decode a stored " + type.getName() + ": " + e, e);
    }
    if (value == null || !type.isInstance(value)) {
      throw new DecodeException("expected a " + type.getName() + " but read " + (value == null ? "null"
          : "a " + value.getClass().getName()));
    }
    return type.cast(value);
  }

  private Object decodeAny(Region region, int offset, int length) {
    if (length < 1) {
      throw new DecodeException("an empty value has no type tag");
    }
    byte tag = region.getByte(offset);
    if (tag == TAGGED) {
      ValueReader in = new ValueReader(region, offset + 1, length - 1);
      Object value = format.read(in, 0);
      if (in.remaining() != 0) {
        throw new DecodeException("a stored " + type.getName() + " has " + in.remaining() + " bytes after its end");
      }
      return value;
    } else if (tag == SERIALIZED) {
      return SerializingCodec.read(region, offset + 1, length - 1, classLoader);
    } else if (tag == RECORD) {
      return decodeLayout(region, offset, length);
    } else if (tag == (byte) 0xAC && length > 1 && region.getByte(offset + 1) == (byte) 0xED) {
      return SerializingCodec.read(region, offset, length, classLoader);
    } else if (tag > 0 && tag < BY_TAG.length) {
      return BY_TAG[tag].decode(region, offset + 1, length - 1);
    }
    throw new DecodeException("unknown type tag " + tag);
  }

  private Object decodeLayout(Region region, int offset, int length) {
    if (length < 3) {
      throw new DecodeException("a stored object is too short for its class name");
    }
    int nameLength = ((region.getByte(offset + 1) & 0xFF) << 8) | (region.getByte(offset + 2) & 0xFF);
    if (3 + nameLength > length) {
      throw new DecodeException("a stored object's class name runs past the value");
    }
    Class<?> c = format.loadClass(region, offset + 3, nameLength);
    LayoutCodec<?> codec = format.layoutCodec(c);
    if (codec == null) {
      throw new DecodeException("the stored class " + c.getName() + " is not one the codec generator takes");
    }
    return codec.decode(region, offset + 3 + nameLength, length - 3 - nameLength);
  }

  @Override
  public String toString() {
    return "AnyCodec[" + type.getName() + "]";
  }
}
