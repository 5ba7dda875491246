package io.inkv.store.codec;

import io.inkv.store.memory.Region;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.bytecode.ByteCodeAppender;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import net.bytebuddy.matcher.ElementMatchers;

/*
 * The generated codec for records and plain objects.
 *
 * For each class, Byte Buddy writes a small class implementing RecordLayout.Accessor whose
 * write() loads every field (record accessor or field read) and hands it to the Writer at its
 * constant offset, and whose read() loads every fixed-width field with one Region call at
 * base + constant and calls the canonical constructor (records) or the no-argument constructor
 * plus field stores (plain objects). There is no reflection, boxing or array of values on either
 * path: for a record of two ints and a String, decoding is two getInt calls, a readString and
 * the constructor.
 *
 * The class is defined as a hidden class and nestmate of the target (Lookup.defineHiddenClass
 * with NESTMATE, on a privateLookupIn of the target), so it may read private fields and call
 * private constructors, and it is unloaded with the codec. That needs full-privilege access to
 * the target: true when the target is in the same unnamed module as inkv (the class path) or in
 * a package opened to it. Otherwise create() throws IllegalArgumentException and Codecs falls
 * back to serialization for Serializable types.
 *
 * Records read every field before the constructor runs; a plain object's no-argument
 * constructor runs first, so it must not read the same store on the same thread (it would refill
 * a ValueView the decoder is still reading).
 *
 * Plain objects are accepted when they are concrete, extend Object directly, have a
 * no-argument constructor and no final instance fields (which bytecode outside a constructor may
 * not assign); transient fields are skipped, as serialization would.
 */
final class LayoutCodec<T> implements Codec<T> {
  private static final String REGION = Type.getInternalName(Region.class);
  private static final String LAYOUT = Type.getInternalName(RecordLayout.class);
  private static final String WRITER = Type.getInternalName(RecordLayout.Writer.class);
  private static final String REGION_DESC = Type.getDescriptor(Region.class);

  private final Class<T> type;
  private final RecordLayout layout;
  private final RecordLayout.Accessor accessor;

  private LayoutCodec(Class<T> type, RecordLayout layout, RecordLayout.Accessor accessor) {
    this.type = type;
    this.layout = layout;
    this.accessor = accessor;
  }

  static <T> LayoutCodec<T> create(Class<T> type, ClassLoader classLoader) {
    List<String> names = new ArrayList<>();
    List<Class<?>> types = new ArrayList<>();
    List<java.lang.reflect.Member> members = new ArrayList<>();
    boolean record = type.isRecord();
    if (record) {
      for (RecordComponent c : type.getRecordComponents()) {
        names.add(c.getName());
        types.add(c.getType());
        members.add(c.getAccessor());
      }
    } else {
      requirePlainObject(type);
      List<Field> fields = new ArrayList<>();
      for (Field f : type.getDeclaredFields()) {
        int m = f.getModifiers();
        if (!Modifier.isStatic(m) && !Modifier.isTransient(m)) {
          if (Modifier.isFinal(m)) {
            throw new IllegalArgumentException(type.getName() + " has a final field " + f.getName()
                + ", which a generated codec cannot set");
          }
          fields.add(f);
        }
      }
      fields.sort(Comparator.comparing(Field::getName));
      for (Field f : fields) {
        names.add(f.getName());
        types.add(f.getType());
        members.add(f);
      }
    }
    RecordLayout layout = new RecordLayout(type, names, types, classLoader);
    return new LayoutCodec<>(type, layout, define(type, layout, record, members));
  }

  private static void requirePlainObject(Class<?> type) {
    int m = type.getModifiers();
    if (type.isArray() || type.isInterface() || Modifier.isAbstract(m) || type.isEnum() || type.isPrimitive()) {
      throw new IllegalArgumentException(type.getName() + " is not a concrete class");
    }
    if (type.getSuperclass() != Object.class) {
      throw new IllegalArgumentException(type.getName() + " extends " + type.getSuperclass().getName()
          + "; a generated codec takes records and classes that extend Object directly");
    }
    if (type.isMemberClass() && !Modifier.isStatic(m)) {
      throw new IllegalArgumentException(type.getName() + " is an inner class; make it static");
    }
    try {
      type.getDeclaredConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(type.getName() + " has no no-argument constructor", e);
    }
  }

  /** Returns the layout values of this codec are stored in. */
  RecordLayout layout() {
    return layout;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  public byte[] encode(T value) {
    RecordLayout.Writer out = layout.newWriter();
    accessor.write(type.cast(value), out);
    return out.toByteArray();
  }

  @Override
  public T decode(Region region, int offset, int length) {
    layout.check(region, offset, length);
    return type.cast(accessor.read(layout, region, offset, length));
  }

  @Override
  public T decode(byte[] bytes, int offset, int length) {
    return decode(new HeapRegion(bytes), offset, length);
  }

  @Override
  public String toString() {
    return "LayoutCodec[" + type.getName() + "]";
  }

  // ---- generation ----

  private static RecordLayout.Accessor define(Class<?> type, RecordLayout layout, boolean record,
      List<java.lang.reflect.Member> members) {
    Implementation write = new Implementation.Simple(new Appender(type, layout, record, members, true));
    Implementation read = new Implementation.Simple(new Appender(type, layout, record, members, false));
    DynamicType.Builder<Object> builder = new ByteBuddy(ClassFileVersion.JAVA_V17).subclass(Object.class);
    builder = builder.name(type.getName() + "$InkvLayout").implement(RecordLayout.Accessor.class);
    builder = builder.method(ElementMatchers.named("write")).intercept(write);
    builder = builder.method(ElementMatchers.named("read")).intercept(read);
    byte[] bytes = builder.make().getBytes();
    try {
      MethodHandles.Lookup target = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
      MethodHandles.Lookup hidden = target.defineHiddenClass(bytes, true, MethodHandles.Lookup.ClassOption.NESTMATE);
      return (RecordLayout.Accessor) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (IllegalAccessException | SecurityException | LinkageError e) {
      throw new IllegalArgumentException("cannot generate a codec for " + type.getName()
          + " (its package must be open to inkv, or on the class path): " + e, e);
    } catch (Throwable e) {
      throw new IllegalArgumentException("cannot generate a codec for " + type.getName() + ": " + e, e);
    }
  }

  private static final class Appender implements ByteCodeAppender {
    private final Class<?> type;
    private final RecordLayout layout;
    private final boolean record;
    private final List<java.lang.reflect.Member> members;
    private final boolean write;

    Appender(Class<?> type, RecordLayout layout, boolean record, List<java.lang.reflect.Member> members, boolean write) {
      this.type = type;
      this.layout = layout;
      this.record = record;
      this.members = members;
      this.write = write;
    }

    @Override
    public Size apply(MethodVisitor mv, Implementation.Context context, MethodDescription method) {
      return write ? writeMethod(mv, type, layout, record, members) : readMethod(mv, type, layout, record, members);
    }
  }

  // write(Object value, Writer out): locals 0 this, 1 value, 2 out, 3 typed value
  private static ByteCodeAppender.Size writeMethod(MethodVisitor mv, Class<?> type, RecordLayout layout,
      boolean record, List<java.lang.reflect.Member> members) {
    String owner = Type.getInternalName(type);
    mv.visitVarInsn(Opcodes.ALOAD, 1);
    mv.visitTypeInsn(Opcodes.CHECKCAST, owner);
    mv.visitVarInsn(Opcodes.ASTORE, 3);
    for (RecordLayout.Field f : layout.fields()) {
      mv.visitVarInsn(Opcodes.ALOAD, 2);
      pushInt(mv, f.kind().isFixed() && !f.kind().isNullable() ? f.offset() : f.index());
      mv.visitVarInsn(Opcodes.ALOAD, 3);
      String desc = Type.getDescriptor(f.type());
      if (record) {
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, owner, members.get(f.index()).getName(), "()" + desc, false);
      } else {
        mv.visitFieldInsn(Opcodes.GETFIELD, owner, f.name(), desc);
      }
      String put;
      String argDesc;
      switch (f.kind()) {
        case BOOLEAN -> { put = "putBoolean"; argDesc = "Z"; }
        case BYTE -> { put = "putByte"; argDesc = "B"; }
        case SHORT -> { put = "putShort"; argDesc = "S"; }
        case CHAR -> { put = "putChar"; argDesc = "C"; }
        case INT -> { put = "putInt"; argDesc = "I"; }
        case FLOAT -> { put = "putFloat"; argDesc = "F"; }
        case LONG -> { put = "putLong"; argDesc = "J"; }
        case DOUBLE -> { put = "putDouble"; argDesc = "D"; }
        case STRING -> { put = "putString"; argDesc = "Ljava/lang/String;"; }
        case BYTES -> { put = "putBytes"; argDesc = "[B"; }
        case NESTED -> { put = "putNested"; argDesc = "Ljava/lang/Object;"; }
        default -> { put = "putBoxed"; argDesc = "Ljava/lang/Object;"; }
      }
      mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, WRITER, put, "(I" + argDesc + ")V", false);
    }
    mv.visitInsn(Opcodes.RETURN);
    return new ByteCodeAppender.Size(6, 4);
  }

  // read(RecordLayout layout, Region region, int base, int length): locals 0 this, 1 layout,
  // 2 region, 3 base, 4 length, 5 the new plain object
  private static ByteCodeAppender.Size readMethod(MethodVisitor mv, Class<?> type, RecordLayout layout,
      boolean record, List<java.lang.reflect.Member> members) {
    String owner = Type.getInternalName(type);
    mv.visitTypeInsn(Opcodes.NEW, owner);
    mv.visitInsn(Opcodes.DUP);
    int stack = 2;
    if (record) {
      StringBuilder ctor = new StringBuilder("(");
      for (RecordLayout.Field f : layout.fields()) {
        pushField(mv, f);
        ctor.append(Type.getDescriptor(f.type()));
        stack += (f.kind() == RecordLayout.Kind.LONG || f.kind() == RecordLayout.Kind.DOUBLE) ? 2 : 1;
      }
      mv.visitMethodInsn(Opcodes.INVOKESPECIAL, owner, "<init>", ctor.append(")V").toString(), false);
    } else {
      mv.visitMethodInsn(Opcodes.INVOKESPECIAL, owner, "<init>", "()V", false);
      mv.visitVarInsn(Opcodes.ASTORE, 5);
      for (RecordLayout.Field f : layout.fields()) {
        mv.visitVarInsn(Opcodes.ALOAD, 5);
        pushField(mv, f);
        mv.visitFieldInsn(Opcodes.PUTFIELD, owner, f.name(), Type.getDescriptor(f.type()));
      }
      mv.visitVarInsn(Opcodes.ALOAD, 5);
    }
    mv.visitInsn(Opcodes.ARETURN);
    return new ByteCodeAppender.Size(stack + 8, 6);
  }

  private static void pushField(MethodVisitor mv, RecordLayout.Field f) {
    switch (f.kind()) {
      case BOOLEAN -> {
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        pushRegionOffset(mv, f);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, LAYOUT, "readBoolean", "(" + REGION_DESC + "I)Z", false);
      }
      case BYTE -> regionGet(mv, f, "getByte", "B");
      case SHORT -> regionGet(mv, f, "getShort", "S");
      case CHAR -> {
        regionGet(mv, f, "getShort", "S");
        mv.visitInsn(Opcodes.I2C);
      }
      case INT -> regionGet(mv, f, "getInt", "I");
      case FLOAT -> regionGet(mv, f, "getFloat", "F");
      case LONG -> regionGet(mv, f, "getLong", "J");
      case DOUBLE -> regionGet(mv, f, "getDouble", "D");
      case STRING -> layoutVar(mv, f, "readString", "Ljava/lang/String;");
      case BYTES -> layoutVar(mv, f, "readBytes", "[B");
      case NESTED -> {
        layoutVar(mv, f, "readNested", "Ljava/lang/Object;");
        mv.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(f.type()));
      }
      default -> {
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        mv.visitVarInsn(Opcodes.ALOAD, 2);
        mv.visitVarInsn(Opcodes.ILOAD, 3);
        pushInt(mv, f.index());
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, LAYOUT, "readBoxed", "(" + REGION_DESC + "II)Ljava/lang/Object;", false);
        mv.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(f.type()));
      }
    }
  }

  private static void pushRegionOffset(MethodVisitor mv, RecordLayout.Field f) {
    mv.visitVarInsn(Opcodes.ALOAD, 2);
    mv.visitVarInsn(Opcodes.ILOAD, 3);
    pushInt(mv, f.offset());
    mv.visitInsn(Opcodes.IADD);
  }

  private static void regionGet(MethodVisitor mv, RecordLayout.Field f, String method, String returnDesc) {
    pushRegionOffset(mv, f);
    mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, REGION, method, "(I)" + returnDesc, true);
  }

  private static void layoutVar(MethodVisitor mv, RecordLayout.Field f, String method, String returnDesc) {
    mv.visitVarInsn(Opcodes.ALOAD, 1);
    mv.visitVarInsn(Opcodes.ALOAD, 2);
    mv.visitVarInsn(Opcodes.ILOAD, 3);
    mv.visitVarInsn(Opcodes.ILOAD, 4);
    pushInt(mv, f.index());
    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, LAYOUT, method, "(" + REGION_DESC + "III)" + returnDesc, false);
  }

  private static void pushInt(MethodVisitor mv, int value) {
    if (value >= -1 && value <= 5) {
      mv.visitInsn(Opcodes.ICONST_0 + value);
    } else if (value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE) {
      mv.visitIntInsn(Opcodes.BIPUSH, value);
    } else if (value >= Short.MIN_VALUE && value <= Short.MAX_VALUE) {
      mv.visitIntInsn(Opcodes.SIPUSH, value);
    } else {
      mv.visitLdcInsn(value);
    }
  }
}
