package io.inkv.store.codec;

import io.inkv.store.StoreException;
import io.inkv.store.ValueView;
import io.inkv.store.memory.Region;
import java.util.Objects;

/**
 * Turns values of one Java type into the bytes the store keeps, and back.
 *
 * <p>Pick one with {@link #forClass(Class, ClassLoader)}, which chooses, in this order: a built-in
 * codec (String, byte[], the boxed primitives, UUID, enums, the java.time value types); the
 * tagged codec of {@link #anyType(ClassLoader)} for {@code Object}, interfaces, abstract classes
 * and the JDK's collections, maps, arrays, {@code Optional}, {@code BigDecimal} and
 * {@code BigInteger}; a generated field-by-field codec for records, plain objects and immutable
 * classes built by a constructor that takes their fields (see {@link RecordLayout}); and Java
 * serialization only for classes that define their own serialized form, or that no other codec
 * takes (see {@link #javaSerializedValues()}).
 *
 * <p>Values written by another version of a generated class (fields added or removed) decode:
 * fields are matched by name and declared type, added ones get zero, false or null. A changed
 * field type, a stored class that is gone, or damaged bytes fail with {@link DecodeException},
 * never another exception.
 *
 * <p>Every codec is thread-safe. {@link #encode} never keeps a reference to its argument and
 * {@link #decode} always returns a new object (or an immutable one), so a stored value can be
 * neither changed through the object it was stored from nor through the object it is read into.
 *
 * <p>Keys are compared by their encoded bytes, so a codec used for keys must encode equal values
 * to equal bytes. Every built-in and generated codec does; Java serialization does for most
 * value classes but not, for example, for hash-based collections with different histories.
 *
 * @param <T> the value type
 */
public interface Codec<T> {

  /** Returns the type this codec encodes. */
  Class<T> type();

  /**
   * Encodes {@code value}.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws ClassCastException if {@code value} is not of {@link #type()}
   * @throws IllegalArgumentException if the value cannot be encoded (for example a value of the
   *     {@code Object} codec that is not {@link java.io.Serializable} and no other codec takes, a
   *     subclass given to a generated codec, or a value that holds itself)
   */
  byte[] encode(T value);

  /**
   * Decodes {@code length} bytes of {@code region} from {@code offset}, reading them in place.
   *
   * @throws DecodeException if the bytes are not a value of this codec
   */
  T decode(Region region, int offset, int length);

  /**
   * Decodes {@code length} bytes of {@code bytes} from {@code offset}.
   *
   * @throws DecodeException if the bytes are not a value of this codec
   */
  T decode(byte[] bytes, int offset, int length);

  /**
   * Decodes a whole array.
   *
   * @throws DecodeException if the bytes are not a value of this codec
   */
  default T decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /**
   * Decodes the value a {@link ValueView} shows, in place.
   *
   * @throws DecodeException if the bytes are not a value of this codec
   */
  default T decode(ValueView view) {
    return decode(view.region(), view.regionOffset(), view.length());
  }

  /**
   * Returns the codec inkv chooses for {@code type}: built-in, generated or serializing.
   *
   * @param type the value type; {@code Object} gives {@link #anyType(ClassLoader)}
   * @param classLoader resolves classes named in serialized values
   * @throws IllegalArgumentException if no codec can handle {@code type} (it is neither a known
   *     type, a record or plain object the generator accepts, nor Serializable, nor an interface
   *     or abstract type that {@link #anyType} could take)
   */
  static <T> Codec<T> forClass(Class<T> type, ClassLoader classLoader) {
    return Codecs.forClass(Objects.requireNonNull(type, "type"), classLoader);
  }

  /**
   * Returns a codec for any object: built-in types get a one-byte tag and their built-in
   * encoding, objects of generated classes their class name and layout, collections, maps,
   * arrays, enums, {@code Optional} and big numbers the tagged format; only classes that define
   * their own serialized form (or that no other codec takes) are Java-serialized, and must then be
   * {@link java.io.Serializable}.
   */
  static Codec<Object> anyType(ClassLoader classLoader) {
    return new AnyCodec<>(Object.class, classLoader);
  }

  /** Returns a codec that uses Java serialization for values of {@code type}. */
  static <T> Codec<T> serializing(Class<T> type, ClassLoader classLoader) {
    return new SerializingCodec<>(Objects.requireNonNull(type, "type"), classLoader);
  }

  /**
   * Returns the generated field-by-field codec for a record or plain object.
   *
   * @throws IllegalArgumentException if {@code type} is not a record, an acceptable plain object
   *     (a concrete class extending {@code Object} with a no-argument constructor and no final
   *     instance fields) or an immutable class with a constructor that stores one parameter into
   *     each field, naming the reason
   */
  static <T> Codec<T> generated(Class<T> type, ClassLoader classLoader) {
    return LayoutCodec.create(Objects.requireNonNull(type, "type"), classLoader);
  }

  /**
   * Returns how many values of each class were encoded with Java serialization in this JVM, by
   * class name: the classes that define their own serialized form, and any others no faster codec
   * takes. Each such class is also logged once, at INFO, with the reason. Collections, maps,
   * arrays, records, beans and immutable classes never appear here.
   */
  static java.util.Map<String, Long> javaSerializedValues() {
    return JavaSerialization.counts();
  }

  /** Thrown when stored bytes are not a value of the codec that reads them. */
  final class DecodeException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the codec and the problem. */
    public DecodeException(String message) {
      super(message);
    }

    /** Creates the exception with a message and the cause. */
    public DecodeException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
