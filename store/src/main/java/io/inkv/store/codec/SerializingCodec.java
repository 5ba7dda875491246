package io.inkv.store.codec;

import io.inkv.store.memory.Region;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;

/*
 * Java serialization, the fallback for types no other codec handles. Classes named in the
 * stream are resolved with the configured class loader first (the cache manager's), then with
 * the loader ObjectInputStream would use, so values of application classes round-trip in
 * containers where inkv and the application have different loaders.
 */
final class SerializingCodec<T> implements Codec<T> {
  private final Class<T> type;
  private final ClassLoader classLoader;

  SerializingCodec(Class<T> type, ClassLoader classLoader) {
    this.type = type;
    this.classLoader = classLoader;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  public byte[] encode(T value) {
    return write(type.cast(value));
  }

  static byte[] write(Object value) {
    if (!(value instanceof Serializable)) {
      throw new IllegalArgumentException(value.getClass().getName()
          + " is neither a type inkv has a codec for nor Serializable");
    }
    JavaSerialization.count(value.getClass());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("a value of " + value.getClass().getName()
          + " holds an object that is not Serializable: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize a value of " + value.getClass().getName() + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  @Override
  public T decode(Region region, int offset, int length) {
    return expected(type, read(region, offset, length, classLoader));
  }

  @Override
  public T decode(byte[] bytes, int offset, int length) {
    return expected(type, read(bytes, offset, length, classLoader));
  }

  /** Returns a deserialized {@code value} as a {@code type}, or throws the DecodeException naming both classes. */
  static <T> T expected(Class<T> type, Object value) {
    if (!type.isInstance(value)) {
      throw new DecodeException("expected a " + type.getName() + " but read a " + value.getClass().getName());
    }
    return type.cast(value);
  }

  /** Reads a serialized value from a region, through a copy of its bytes (a stream reads from an array). */
  static Object read(Region region, int offset, int length, ClassLoader classLoader) {
    byte[] copy = new byte[length];
    region.getBytes(offset, copy, 0, length);
    return read(copy, 0, length, classLoader);
  }

  static Object read(byte[] bytes, int offset, int length, ClassLoader classLoader) {
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes, offset, length), classLoader)) {
      return in.readObject();
    } catch (ClassNotFoundException e) {
      throw new DecodeException("a serialized value names a class that cannot be loaded: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new DecodeException("cannot deserialize a value: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "SerializingCodec[" + type.getName() + "]";
  }

  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader classLoader;

    LoaderObjectInputStream(InputStream in, ClassLoader classLoader) throws IOException {
      super(in);
      this.classLoader = classLoader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (classLoader != null) {
        try {
          return Class.forName(desc.getName(), false, classLoader);
        } catch (ClassNotFoundException e) {
          // fall through to the default resolution (primitives, the caller's loader)
        }
      }
      return super.resolveClass(desc);
    }
  }
}
