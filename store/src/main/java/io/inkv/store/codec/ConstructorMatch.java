package io.inkv.store.codec;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/*
 * Finds the constructor of an immutable class that takes one parameter per field and stores each
 * parameter, unchanged, into its field: the all-arguments constructor Lombok's @Value and
 * @AllArgsConstructor generate, the primary constructor of a Kotlin data class, and the usual
 * hand-written one. The codec calls it to rebuild a value, so the mapping from parameters to
 * fields must be certain, not guessed from types (a class with two String fields would swap them
 * silently):
 *
 *   1. the constructor's bytecode, read with the ASM copy Byte Buddy carries: each field must be
 *      assigned by "aload_0; load parameter; [only calls from ALLOWED and constants]; putfield";
 *      Kotlin's null checks of the parameters before that are fine, as are Objects.requireNonNull
 *      and the JDK's copy and unmodifiable-view factories around the parameter (they give an
 *      equal value again when the decoded one goes through them);
 *   2. when the class file cannot be read, parameter names compiled in with -parameters (Kotlin's
 *      -java-parameters) that equal the field names.
 * A constructor that computes a field (this.total = a + b) or assigns it twice does not match,
 * and the class takes Java serialization instead, reported once (Codecs).
 */
final class ConstructorMatch {
  private static final Set<String> ALLOWED = Set.of(
      "java/util/Objects.requireNonNull", "java/util/List.copyOf", "java/util/Set.copyOf", "java/util/Map.copyOf",
      "java/util/Collections.unmodifiableList", "java/util/Collections.unmodifiableSet",
      "java/util/Collections.unmodifiableMap", "java/util/Collections.unmodifiableCollection",
      "java/util/Collections.unmodifiableSortedSet", "java/util/Collections.unmodifiableSortedMap",
      "kotlin/jvm/internal/Intrinsics.checkNotNullParameter", "kotlin/jvm/internal/Intrinsics.checkNotNull",
      "kotlin/jvm/internal/Intrinsics.checkParameterIsNotNull");

  private ConstructorMatch() {}

  /**
   * Returns the constructor of {@code type} that takes exactly {@code fields} (in any order).
   *
   * @throws IllegalArgumentException naming the class if there is none, or none whose parameters
   *     certainly map onto the fields
   */
  static Constructor<?> find(Class<?> type, List<Field> fields) {
    String why = "it has no constructor with one parameter per field (" + fields.size() + ")";
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (c.getParameterCount() != fields.size() || c.isSynthetic()) {
        continue;
      }
      try {
        parameterFields(type, c, fields);
        return c;
      } catch (IllegalArgumentException e) {
        why = e.getMessage();
      }
    }
    throw new IllegalArgumentException(type.getName() + " has final fields or no no-argument constructor, and " + why);
  }

  /** Returns, for each parameter of {@code c}, the name of the field it is stored into. */
  static String[] parameterFields(Class<?> type, Constructor<?> c, List<Field> fields) {
    Map<String, Field> byName = new HashMap<>();
    for (Field f : fields) {
      byName.put(f.getName(), f);
    }
    String[] mapped = fromBytecode(type, c);
    if (mapped == null) {
      Parameter[] ps = c.getParameters();
      mapped = new String[ps.length];
      for (int i = 0; i < ps.length; i++) {
        if (!ps[i].isNamePresent()) {
          throw new IllegalArgumentException("the class file of " + type.getName() + " cannot be read and its constructor"
              + " parameters have no names (compile with -parameters)");
        }
        mapped[i] = ps[i].getName();
      }
    }
    Class<?>[] pts = c.getParameterTypes();
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < mapped.length; i++) {
      Field f = mapped[i] == null ? null : byName.get(mapped[i]);
      if (f == null || !seen.add(mapped[i]) || f.getType() != pts[i]) {
        throw new IllegalArgumentException("its constructor " + c + " does not store parameter " + i + " unchanged"
            + " into a field of the same type");
      }
    }
    return mapped;
  }

  /** The field each parameter is stored into, read from the bytecode; null if the class file is not readable. */
  private static String[] fromBytecode(Class<?> type, Constructor<?> c) {
    byte[] bytes;
    String resource = type.getName().replace('.', '/') + ".class";
    ClassLoader loader = type.getClassLoader();
    try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource) : loader.getResourceAsStream(resource)) {
      if (in == null) {
        return null;
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
    String owner = Type.getInternalName(type);
    String desc = Type.getConstructorDescriptor(c);
    Type[] params = Type.getArgumentTypes(desc);
    Map<Integer, Integer> slotToParam = new HashMap<>();
    int slot = 1;
    for (int i = 0; i < params.length; i++) {
      slotToParam.put(slot, i);
      slot += params[i].getSize();
    }
    String[] mapped = new String[params.length];
    boolean[] broken = {false};
    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        if (!name.equals("<init>") || !descriptor.equals(desc)) {
          return null;
        }
        return new MethodVisitor(Opcodes.ASM9) {
          // since the last aload_0: the parameter loaded (-1 none, -2 more than one or something else)
          private boolean afterThis;
          private int param = -1;

          @Override
          public void visitVarInsn(int opcode, int var) {
            if (opcode == Opcodes.ALOAD && var == 0) {
              afterThis = true;
              param = -1;
            } else if (afterThis && opcode >= Opcodes.ILOAD && opcode <= Opcodes.ALOAD && slotToParam.containsKey(var)) {
              param = param == -1 ? slotToParam.get(var) : -2;
            } else {
              afterThis = false;
            }
          }

          @Override
          public void visitLdcInsn(Object value) {}

          @Override
          public void visitMethodInsn(int opcode, String o, String name, String d, boolean itf) {
            if (!ALLOWED.contains(o + "." + name)) {
              afterThis = false;
            }
          }

          @Override
          public void visitFieldInsn(int opcode, String o, String name, String d) {
            if (opcode == Opcodes.PUTFIELD && o.equals(owner)) {
              if (afterThis && param >= 0 && mapped[param] == null) {
                mapped[param] = name;
              } else {
                broken[0] = true;
              }
            }
            afterThis = false;
          }

          @Override
          public void visitInsn(int opcode) {
            afterThis = false;
          }

          @Override
          public void visitIntInsn(int opcode, int operand) {
            afterThis = false;
          }

          @Override
          public void visitTypeInsn(int opcode, String t) {
            if (opcode != Opcodes.CHECKCAST) {
              afterThis = false;
            }
          }

          @Override
          public void visitJumpInsn(int opcode, net.bytebuddy.jar.asm.Label label) {
            afterThis = false;
          }
        };
      }
    }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    if (broken[0]) {
      List<String> none = new ArrayList<>();
      none.add(null);
      return none.toArray(new String[params.length]);
    }
    return mapped;
  }
}
