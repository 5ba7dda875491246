package io.inkv.store.codec;

import java.io.Externalizable;
import java.io.Serializable;
import java.lang.reflect.Modifier;

/*
 * How Codec.forClass chooses, in order:
 *   1. Object, interfaces and abstract classes (other than enums): AnyCodec, since the runtime
 *      class of each value may differ.
 *   2. A built-in type: its BuiltinCodec.
 *   3. An enum: EnumCodec (by constant name).
 *   4. A record or a plain object the generator accepts: the generated LayoutCodec.
 *   5. Anything Serializable (arrays, collections, classes with custom serialization, classes the
 *      generator cannot reach): SerializingCodec.
 * A class with writeObject/readObject/writeReplace/readResolve or Externalizable asked for its own
 * serialized form, so it skips step 4 and gets serialization.
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
    if (type == Object.class || type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      return new AnyCodec<>(type, classLoader);
    }
    boolean serializable = Serializable.class.isAssignableFrom(type);
    if (!type.isArray() && !hasCustomSerialization(type)) {
      try {
        return LayoutCodec.create(type, classLoader);
      } catch (IllegalArgumentException e) {
        if (!serializable) {
          throw e;
        }
      }
    }
    if (serializable) {
      return new SerializingCodec<>(type, classLoader);
    }
    throw new IllegalArgumentException(type.getName() + " is neither a type inkv has a codec for, a record or"
        + " plain object the codec generator accepts, nor Serializable");
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
