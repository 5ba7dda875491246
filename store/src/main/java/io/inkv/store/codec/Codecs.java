package io.inkv.store.codec;

import java.io.Externalizable;
import java.io.Serializable;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/*
 * How Codec.forClass chooses, in order:
 *   1. A built-in type: its BuiltinCodec.
 *   2. An enum: EnumCodec (by constant name).
 *   3. Object, interfaces and abstract classes, and the JDK's own value shapes (collections and
 *      maps, arrays, Optional, BigDecimal, BigInteger): AnyCodec, whose tagged format names the
 *      runtime class of each value and takes the JDK shapes without Java serialization.
 *   4. A class that asked for its own serialized form (writeObject, readObject, writeReplace,
 *      readResolve, Externalizable): SerializingCodec, reported once.
 *   5. A record, a plain object or an immutable class the generator accepts: LayoutCodec.
 *   6. Anything else that is Serializable (a subclass, a class whose constructor computes its
 *      fields, a class the generator cannot reach): SerializingCodec, reported once with the
 *      generator's reason.
 */
final class Codecs {
  private Codecs() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static <T> Codec<T> forClass(Class<T> type, ClassLoader classLoader) {
    if (type.isPrimitive()) {
      throw new IllegalArgumentException("use the boxed type instead of " + type);
    }
    BuiltinCodec<T> builtin = BuiltinCodec.forType(type);
    if (builtin != null) {
      return builtin;
    }
    if (type.isEnum()) {
      return new BuiltinCodec.EnumCodec(type);
    }
    if (type == Object.class || type.isInterface() || Modifier.isAbstract(type.getModifiers()) || isJdkShape(type)) {
      return new AnyCodec<>(type, classLoader);
    }
    boolean serializable = Serializable.class.isAssignableFrom(type);
    if (hasCustomSerialization(type)) {
      if (!serializable) {
        throw new IllegalArgumentException(type.getName() + " defines serialization methods but is not Serializable");
      }
      JavaSerialization.report(type, "it defines its own serialized form (writeObject, readObject, writeReplace,"
          + " readResolve or Externalizable)");
      return new SerializingCodec<>(type, classLoader);
    }
    try {
      return LayoutCodec.create(type, classLoader);
    } catch (IllegalArgumentException e) {
      if (!serializable) {
        throw new IllegalArgumentException(type.getName() + " is neither a type inkv has a codec for, a record,"
            + " plain object or immutable class the codec generator accepts (" + e.getMessage() + "), nor Serializable", e);
      }
      JavaSerialization.report(type, e.getMessage());
      return new SerializingCodec<>(type, classLoader);
    }
  }

  /** The JDK types the tagged format writes without Java serialization. */
  static boolean isJdkShape(Class<?> type) {
    return type.isArray() || type == Optional.class || type == BigDecimal.class || type == BigInteger.class
        || ((Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type))
            && type.getName().startsWith("java."));
  }

  static boolean hasCustomSerialization(Class<?> type) {
    if (Externalizable.class.isAssignableFrom(type)) {
      return true;
    }
    for (var m : type.getDeclaredMethods()) {
      String n = m.getName();
      if (!Modifier.isStatic(m.getModifiers())
          && (n.equals("writeObject") || n.equals("readObject") || n.equals("writeReplace") || n.equals("readResolve"))) {
        return true;
      }
    }
    return false;
  }
}
