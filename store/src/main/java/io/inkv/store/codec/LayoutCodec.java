package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.Region;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.concurrent.ConcurrentHashMap;
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
 * The generated codec for records, plain objects and immutable classes.
 *
 * For each class, Byte Buddy writes a small class implementing RecordLayout.Accessor whose
 * write() loads every field (record accessor or field read) and hands it to the Writer at its
 * constant offset, and whose read() loads every fixed-width field with one Region call at
 * base + constant and builds the object. There is no reflection, boxing or array of values on
 * either path: for a record of two ints and a String, decoding is two getInt calls, a
 * readString and the constructor.
 *
 * Three ways to build an object, chosen once per class:
 *   - a record: its canonical constructor;
 *   - a plain object (no final fields, a no-argument constructor): that constructor, then field
 *     stores;
 *   - an immutable class (final fields, the shape of Lombok's @Value, Kotlin's data classes and
 *     hand-written value classes): the constructor that stores each of its parameters into one
 *     field, found by reading the constructor's bytecode (ConstructorMatch). Allocating without a
 *     constructor and storing into final fields, as Java serialization, Kryo and Fory do, needs
 *     sun.misc.Unsafe, ReflectionFactory or deep reflection on final fields, which warn or are
 *     being closed on recent JDKs; calling the class's own constructor needs none of that and keeps
 *     the class's invariants.
 *
 * The class is defined as a hidden class and nestmate of the target (Lookup.defineHiddenClass
 * with NESTMATE, on a privateLookupIn of the target), so it may read private fields and call
 * private constructors, and it is unloaded with the codec. That needs full-privilege access to
 * the target: true when the target is in the same unnamed module as inkv (the class path) or in
 * a package opened to it. Otherwise create() throws IllegalArgumentException and Codecs falls
 * back to serialization for Serializable types.
 *
 * Versions. A value is its fields followed by the layout's schema (RecordLayout.schema) and the
 * schema's length; the fingerprint at the start is the schema's hash. Bytes whose fingerprint is
 * this class's (or the fingerprint this codec wrote before values carried schemas) are read by
 * the generated read(). Any other fingerprint is a value written by another version of the class:
 * its schema (from the trailer, or from the class definition in the tagged format) is read once,
 * a Migration is built that matches fields by name and declared type, and construct() builds the
 * object from the migrated fields (added fields get zero, false or null; removed ones are
 * skipped). A field whose type changed, or a value of another class, fails with DecodeException
 * naming the class and the field. Bytes that begin with Java serialization's magic number were
 * written when this class took the serialization fallback, and are read by it.
 *
 * A field of another generated class whose layouts never lead back to a class on the way is
 * written as that class's body alone (writeBody), and the enclosing schema defines the nested
 * layouts (RecordLayout.Schema): such a nested value is decoded by decodeEmbedded, which finds the
 * schema of a value of another version among those definitions.
 *
 * A decode never throws anything but DecodeException: a constructor that rejects migrated values,
 * or damaged bytes that slip past the checks, are reported as such.
 */
final class LayoutCodec<T> implements InPlaceCodec<T> {
  private static final String REGION = Type.getInternalName(Region.class);
  private static final String LAYOUT = Type.getInternalName(RecordLayout.class);
  private static final String WRITER = Type.getInternalName(RecordLayout.Writer.class);
  private static final String REGION_DESC = Type.getDescriptor(Region.class);
  private static final int MAX_MIGRATIONS = 64;

  private final Class<T> type;
  private final RecordLayout layout;
  private final RecordLayout.Accessor accessor;
  private final ClassLoader classLoader;
  private final ConcurrentHashMap<Integer, Migration> migrations = new ConcurrentHashMap<>();

  private LayoutCodec(Class<T> type, RecordLayout layout, RecordLayout.Accessor accessor, ClassLoader classLoader) {
    this.type = type;
    this.layout = layout;
    this.accessor = accessor;
    this.classLoader = classLoader;
    layout.self(this);
  }

  static <T> LayoutCodec<T> create(Class<T> type, ClassLoader classLoader) {
    List<String> names = new ArrayList<>();
    List<Class<?>> types = new ArrayList<>();
    List<java.lang.reflect.Member> members = new ArrayList<>();
    boolean record = type.isRecord();
    int[] constructorFields = null;
    String constructorDesc = null;
    if (record) {
      for (RecordComponent c : type.getRecordComponents()) {
        names.add(c.getName());
        types.add(c.getType());
        members.add(c.getAccessor());
      }
      constructorFields = new int[names.size()];
      StringBuilder desc = new StringBuilder("(");
      for (int i = 0; i < constructorFields.length; i++) {
        constructorFields[i] = i;
        desc.append(Type.getDescriptor(types.get(i)));
      }
      constructorDesc = desc.append(")V").toString();
    } else {
      requireConcreteClass(type);
      List<Field> fields = new ArrayList<>();
      boolean anyFinal = false;
      for (Field f : type.getDeclaredFields()) {
        int m = f.getModifiers();
        if (!Modifier.isStatic(m) && !Modifier.isTransient(m)) {
          anyFinal |= Modifier.isFinal(m);
          fields.add(f);
        }
      }
      fields.sort(Comparator.comparing(Field::getName));
      for (Field f : fields) {
        names.add(f.getName());
        types.add(f.getType());
        members.add(f);
      }
      if (anyFinal || !hasNoArgumentConstructor(type)) {
        java.lang.reflect.Constructor<?> c = ConstructorMatch.find(type, fields);
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < fields.size(); i++) {
          byName.put(fields.get(i).getName(), i);
        }
        String[] parameterFields = ConstructorMatch.parameterFields(type, c, fields);
        constructorFields = new int[parameterFields.length];
        for (int p = 0; p < parameterFields.length; p++) {
          constructorFields[p] = byName.get(parameterFields[p]);
        }
        constructorDesc = Type.getConstructorDescriptor(c);
      }
    }
    RecordLayout layout = new RecordLayout(type, names, types, classLoader);
    return new LayoutCodec<>(type, layout, define(type, layout, record, members, constructorFields, constructorDesc),
        classLoader);
  }

  private static boolean hasNoArgumentConstructor(Class<?> type) {
    try {
      type.getDeclaredConstructor();
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static void requireConcreteClass(Class<?> type) {
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
    if (type.getName().startsWith("java.") || type.getName().startsWith("javax.") || type.getName().startsWith("jdk.")) {
      throw new IllegalArgumentException(type.getName() + " is a JDK class, whose fields are not inkv's to read");
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

  /** Writes the value and then its schema trailer, as a typed codec stores it. */
  @Override
  public void encodeInto(ByteOutput out, T value) {
    writeBody(out, value);
    layout.writeTrailer(out);
  }

  /** Writes {@code value} without the schema trailer, for the tagged format's class definitions. */
  void writeBody(ByteOutput out, Object value) {
    if (value.getClass() != type) {
      type.cast(value);
      throw new IllegalArgumentException("a " + value.getClass().getName() + " is not a " + type.getName()
          + " but a subclass, whose own fields this codec would lose; declare the type as an interface, an abstract"
          + " class or Object to store subclasses");
    }
    try {
      accessor.write(value, layout.newWriter(out));
    } catch (StackOverflowError e) {
      throw new IllegalArgumentException("a " + type.getName() + " refers to itself (a cycle) or nests too deeply to"
          + " encode; inkv's codec writes trees of values, not graphs", e);
    }
  }

  @Override
  public T decode(Region region, int offset, int length) {
    try {
      if (length >= 4) {
        int fp = region.getInt(offset + RecordLayout.FINGERPRINT_OFFSET);
        if (fp == layout.fingerprint() || fp == layout.legacyFingerprint()) {
          layout.check(region, offset, length);
          return type.cast(accessor.read(layout, region, offset, length));
        }
        if (fp == SERIALIZATION_MAGIC) {
          return SerializingCodec.expected(type, SerializingCodec.read(region, offset, length, classLoader));
        }
      }
      if (length < 6) {
        throw new DecodeException("a " + type.getName() + " takes at least " + layout.dataOffset() + " bytes, not " + length);
      }
      int schemaLength = region.getShort(offset + length - 2) & 0xFFFF;
      int schemaStart = length - 2 - schemaLength;
      if (schemaStart < 4) {
        throw new DecodeException("a stored " + type.getName() + " has a schema length past its start");
      }
      return decodeBody(region, offset, schemaStart, region, offset + schemaStart, schemaLength);
    } catch (DecodeException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new DecodeException("cannot decode a " + type.getName() + ": " + e, e);
    }
  }

  /*
   * Java serialization's stream header (0xACED, version 5) read as a little-endian int: the first
   * four bytes of values stored when this class took the serialization fallback.
   */
  private static final int SERIALIZATION_MAGIC = 0x0500EDAC;

  /** Decodes a value whose writer's schema is at {@code schemaOffset}. */
  T decodeBody(Region region, int offset, int length, Region schemaRegion, int schemaOffset, int schemaLength) {
    try {
      if (length < 4) {
        throw new DecodeException("a " + type.getName() + " takes at least " + layout.dataOffset() + " bytes, not " + length);
      }
      int fp = region.getInt(offset + RecordLayout.FINGERPRINT_OFFSET);
      if (fp == layout.fingerprint()) {
        layout.check(region, offset, length);
        return type.cast(accessor.read(layout, region, offset, length));
      }
      Migration m = migrations.get(fp);
      if (m == null) {
        m = migration(fp, schemaRegion, schemaOffset, schemaLength);
      }
      return type.cast(m.read(region, offset, length));
    } catch (DecodeException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new DecodeException("cannot decode a " + type.getName() + ": " + e, e);
    }
  }

  /*
   * Decodes a value nested in another one's field, written as a body without its trailer: its
   * writer's schema, if it is not this class's, is among the definitions of the enclosing value's
   * schema. A value stored before schemas (the legacy fingerprint) is read as it always was.
   */
  T decodeEmbedded(Region region, int offset, int length, Map<Integer, byte[]> definitions) {
    try {
      if (length < 4) {
        throw new DecodeException("a " + type.getName() + " takes at least " + layout.dataOffset() + " bytes, not " + length);
      }
      int fp = region.getInt(offset + RecordLayout.FINGERPRINT_OFFSET);
      if (fp == layout.fingerprint() || fp == layout.legacyFingerprint()) {
        layout.check(region, offset, length);
        return type.cast(accessor.read(layout, region, offset, length));
      }
      Migration m = migrations.get(fp);
      if (m == null) {
        byte[] body = definitions.get(fp);
        if (body == null) {
          throw new DecodeException(String.format("a stored %s nested in another value has fingerprint %08x, which"
              + " the enclosing value's schema does not define", type.getName(), fp));
        }
        m = cache(fp, new Migration(RecordLayout.fromBody(body, type, definitions)));
      }
      return type.cast(m.read(region, offset, length));
    } catch (DecodeException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new DecodeException("cannot decode a " + type.getName() + ": " + e, e);
    }
  }

  private Migration migration(int fp, Region schemaRegion, int schemaOffset, int schemaLength) {
    byte[] schema = new byte[schemaLength];
    schemaRegion.getBytes(schemaOffset, schema, 0, schemaLength);
    RecordLayout writer = RecordLayout.fromSchema(new HeapRegion(schema), 0, schemaLength, type);
    if (writer.fingerprint() != fp) {
      throw new DecodeException("a stored " + type.getName() + " is damaged: its fingerprint does not match its schema");
    }
    return cache(fp, new Migration(writer));
  }

  private Migration cache(int fp, Migration m) {
    if (migrations.size() < MAX_MIGRATIONS) {
      migrations.putIfAbsent(fp, m);
    }
    return m;
  }

  /*
   * How values of another version of the class are read: for every field of this class, the
   * writer's field of the same name (its kind and declared type must be the same) or a default.
   */
  private final class Migration {
    private final RecordLayout writer;
    private final int[] source;
    private final String incompatible;

    Migration(RecordLayout writer) {
      this.writer = writer;
      List<RecordLayout.Field> mine = layout.fields();
      this.source = new int[mine.size()];
      String problem = null;
      for (RecordLayout.Field f : mine) {
        source[f.index()] = -1;
        for (RecordLayout.Field w : writer.fields()) {
          if (w.name().equals(f.name())) {
            if (w.kind() != f.kind() || !w.typeName().equals(f.typeName())) {
              problem = type.getName() + "." + f.name() + " was a " + w.typeName() + " when the value was stored and is a "
                  + f.typeName() + " now";
            }
            source[f.index()] = w.index();
          }
        }
      }
      this.incompatible = problem;
    }

    Object read(Region region, int offset, int length) {
      if (incompatible != null) {
        throw new DecodeException("a stored " + type.getName() + " cannot be read by this version of the class: "
            + incompatible);
      }
      writer.checkLength(type.getName(), length);
      List<RecordLayout.Field> mine = layout.fields();
      Object[] values = new Object[source.length];
      for (int i = 0; i < source.length; i++) {
        RecordLayout.Field f = mine.get(i);
        values[i] = source[i] < 0 ? defaultValue(f.kind())
            : writer.readBoxedAny(region, offset, length, source[i], f.kind() == RecordLayout.Kind.NESTED ? layout.nestedCodec(i) : null);
      }
      try {
        return accessor.construct(values);
      } catch (RuntimeException e) {
        throw new DecodeException("a stored " + type.getName() + " written by another version of the class could not"
            + " be built from its fields: " + e, e);
      }
    }
  }

  private static Object defaultValue(RecordLayout.Kind kind) {
    switch (kind) {
      case BOOLEAN: return false;
      case BYTE: return (byte) 0;
      case SHORT: return (short) 0;
      case CHAR: return (char) 0;
      case INT: return 0;
      case FLOAT: return 0f;
      case LONG: return 0L;
      case DOUBLE: return 0d;
      default: return null;
    }
  }

  @Override
  public String toString() {
    return "LayoutCodec[" + type.getName() + "]";
  }

  // ---- generation ----

  private static RecordLayout.Accessor define(Class<?> type, RecordLayout layout, boolean record,
      List<java.lang.reflect.Member> members, int[] constructorFields, String constructorDesc) {
    Shape shape = new Shape(type, layout, record, members, constructorFields, constructorDesc);
    DynamicType.Builder<Object> builder = new ByteBuddy(ClassFileVersion.JAVA_V17).subclass(Object.class);
    builder = builder.name(type.getName() + "$InkvLayout").implement(RecordLayout.Accessor.class);
    builder = builder.method(ElementMatchers.named("write")).intercept(new Implementation.Simple(new Appender(shape, 0)));
    builder = builder.method(ElementMatchers.named("read")).intercept(new Implementation.Simple(new Appender(shape, 1)));
    builder = builder.method(ElementMatchers.named("construct")).intercept(new Implementation.Simple(new Appender(shape, 2)));
    byte[] bytes = builder.make().getBytes();
    try {
      MethodHandles.Lookup target = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
      if ((target.lookupModes() & MethodHandles.Lookup.MODULE) == 0) {
        return new HandleAccessor(shape, target);
      }
      MethodHandles.Lookup hidden = target.defineHiddenClass(bytes, true, MethodHandles.Lookup.ClassOption.NESTMATE);
      return (RecordLayout.Accessor) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (IllegalAccessException | SecurityException | LinkageError e) {
      throw new IllegalArgumentException("cannot generate a codec for " + type.getName()
          + " (its package must be open to inkv, or on the class path): " + e, e);
    } catch (Throwable e) {
      throw new IllegalArgumentException("cannot generate a codec for " + type.getName() + ": " + e, e);
    }
  }

  /*
   * The accessor for a class in another module than inkv's, such as the unnamed module of
   * another class loader (a web application's, a plugin's, a second version of an application):
   * privateLookupIn then gives private access but not the full privilege a hidden nestmate class
   * needs, so fields and constructors are reached through method handles, with boxing. About
   * three times slower than the generated class, and still far from Java serialization.
   */
  private static final class HandleAccessor implements RecordLayout.Accessor {
    private final RecordLayout layout;
    private final MethodHandle[] getters;
    private final MethodHandle constructor;
    private final MethodHandle[] setters;
    private final int[] constructorFields;

    HandleAccessor(Shape shape, MethodHandles.Lookup lookup) throws ReflectiveOperationException {
      this.layout = shape.layout();
      List<RecordLayout.Field> fields = layout.fields();
      Class<?> type = shape.type();
      getters = new MethodHandle[fields.size()];
      for (RecordLayout.Field f : fields) {
        MethodHandle g = shape.record()
            ? lookup.unreflect((java.lang.reflect.Method) shape.members().get(f.index()))
            : lookup.findGetter(type, f.name(), f.type());
        getters[f.index()] = g.asType(MethodType.methodType(Object.class, Object.class));
      }
      constructorFields = shape.constructorFields();
      if (constructorFields != null) {
        MethodHandle c = lookup.findConstructor(type, MethodType.fromMethodDescriptorString(shape.constructorDesc(),
            type.getClassLoader()));
        constructor = c.asType(c.type().generic()).asSpreader(Object[].class, constructorFields.length);
        setters = null;
      } else {
        MethodHandle c = lookup.findConstructor(type, MethodType.methodType(void.class));
        constructor = c.asType(MethodType.methodType(Object.class));
        setters = new MethodHandle[fields.size()];
        for (RecordLayout.Field f : fields) {
          setters[f.index()] = lookup.findSetter(type, f.name(), f.type())
              .asType(MethodType.methodType(void.class, Object.class, Object.class));
        }
      }
    }

    @Override
    public void write(Object value, RecordLayout.Writer out) {
      for (RecordLayout.Field f : layout.fields()) {
        Object v;
        try {
          v = getters[f.index()].invokeExact(value);
        } catch (RuntimeException | Error e) {
          throw e;
        } catch (Throwable e) {
          throw new IllegalStateException(e);
        }
        int at = f.offset();
        switch (f.kind()) {
          case BOOLEAN -> out.putBoolean(at, (Boolean) v);
          case BYTE -> out.putByte(at, (Byte) v);
          case SHORT -> out.putShort(at, (Short) v);
          case CHAR -> out.putChar(at, (Character) v);
          case INT -> out.putInt(at, (Integer) v);
          case FLOAT -> out.putFloat(at, (Float) v);
          case LONG -> out.putLong(at, (Long) v);
          case DOUBLE -> out.putDouble(at, (Double) v);
          case STRING -> out.putString(f.index(), (String) v);
          case BYTES -> out.putBytes(f.index(), (byte[]) v);
          case NESTED -> out.putNested(f.index(), v);
          default -> out.putBoxed(f.index(), v);
        }
      }
    }

    @Override
    public Object read(RecordLayout l, Region region, int base, int length) {
      List<RecordLayout.Field> fields = layout.fields();
      Object[] values = new Object[fields.size()];
      for (RecordLayout.Field f : fields) {
        values[f.index()] = layout.readBoxedAny(region, base, length, f.index(),
            f.kind() == RecordLayout.Kind.NESTED ? layout.nestedCodec(f.index()) : null);
      }
      return construct(values);
    }

    @Override
    public Object construct(Object[] values) {
      try {
        if (constructorFields != null) {
          Object[] args = new Object[constructorFields.length];
          for (int p = 0; p < args.length; p++) {
            args[p] = values[constructorFields[p]];
          }
          return constructor.invoke(args);
        }
        Object o = constructor.invokeExact();
        for (int i = 0; i < setters.length; i++) {
          setters[i].invokeExact(o, values[i]);
        }
        return o;
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /*
   * What the generated methods need: the getters (record accessors or fields) and how an object is
   * built, by a constructor whose parameter p is layout field constructorFields[p], or (null) by the
   * no-argument constructor and field stores.
   */
  private record Shape(Class<?> type, RecordLayout layout, boolean record, List<java.lang.reflect.Member> members,
      int[] constructorFields, String constructorDesc) {}

  private static final class Appender implements ByteCodeAppender {
    private final Shape shape;
    private final int method;

    Appender(Shape shape, int method) {
      this.shape = shape;
      this.method = method;
    }

    @Override
    public Size apply(MethodVisitor mv, Implementation.Context context, MethodDescription description) {
      switch (method) {
        case 0: return writeMethod(mv, shape);
        case 1: return readMethod(mv, shape);
        default: return constructMethod(mv, shape);
      }
    }
  }

  // write(Object value, Writer out): locals 0 this, 1 value, 2 out, 3 typed value
  private static ByteCodeAppender.Size writeMethod(MethodVisitor mv, Shape shape) {
    String owner = Type.getInternalName(shape.type());
    mv.visitVarInsn(Opcodes.ALOAD, 1);
    mv.visitTypeInsn(Opcodes.CHECKCAST, owner);
    mv.visitVarInsn(Opcodes.ASTORE, 3);
    for (RecordLayout.Field f : shape.layout().fields()) {
      mv.visitVarInsn(Opcodes.ALOAD, 2);
      pushInt(mv, f.kind().isFixed() && !f.kind().isNullable() ? f.offset() : f.index());
      mv.visitVarInsn(Opcodes.ALOAD, 3);
      String desc = Type.getDescriptor(f.type());
      if (shape.record()) {
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, owner, shape.members().get(f.index()).getName(), "()" + desc, false);
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
  private static ByteCodeAppender.Size readMethod(MethodVisitor mv, Shape shape) {
    int stack = newInstance(mv, shape, 5, LayoutCodec::pushField);
    return new ByteCodeAppender.Size(stack + 8, 6);
  }

  // construct(Object[] values): locals 0 this, 1 values, 2 the new plain object
  private static ByteCodeAppender.Size constructMethod(MethodVisitor mv, Shape shape) {
    int stack = newInstance(mv, shape, 2, LayoutCodec::pushValue);
    return new ByteCodeAppender.Size(stack + 6, 3);
  }

  /*
   * The body both read and construct end with: a new instance of the shape's class, built through
   * the constructor matched to its fields (each argument pushed by push), or else through the
   * no-argument constructor and a PUTFIELD per field (the object kept in the local objectLocal),
   * returned. Returns the operand stack the constructor's arguments take, with NEW and DUP.
   */
  private static int newInstance(MethodVisitor mv, Shape shape, int objectLocal,
      BiConsumer<MethodVisitor, RecordLayout.Field> push) {
    String owner = Type.getInternalName(shape.type());
    List<RecordLayout.Field> fields = shape.layout().fields();
    mv.visitTypeInsn(Opcodes.NEW, owner);
    mv.visitInsn(Opcodes.DUP);
    int stack = 2;
    if (shape.constructorFields() != null) {
      for (int index : shape.constructorFields()) {
        RecordLayout.Field f = fields.get(index);
        push.accept(mv, f);
        stack += f.type() == long.class || f.type() == double.class ? 2 : 1; // the argument's slots
      }
      mv.visitMethodInsn(Opcodes.INVOKESPECIAL, owner, "<init>", shape.constructorDesc(), false);
    } else {
      mv.visitMethodInsn(Opcodes.INVOKESPECIAL, owner, "<init>", "()V", false);
      mv.visitVarInsn(Opcodes.ASTORE, objectLocal);
      for (RecordLayout.Field f : fields) {
        mv.visitVarInsn(Opcodes.ALOAD, objectLocal);
        push.accept(mv, f);
        mv.visitFieldInsn(Opcodes.PUTFIELD, owner, f.name(), Type.getDescriptor(f.type()));
      }
      mv.visitVarInsn(Opcodes.ALOAD, objectLocal);
    }
    mv.visitInsn(Opcodes.ARETURN);
    return stack;
  }

  /** Pushes values[f.index()], unboxed for a primitive field, cast to the field's type otherwise. */
  private static void pushValue(MethodVisitor mv, RecordLayout.Field f) {
    mv.visitVarInsn(Opcodes.ALOAD, 1);
    pushInt(mv, f.index());
    mv.visitInsn(Opcodes.AALOAD);
    Class<?> t = f.type();
    if (t.isPrimitive()) {
      Type boxed = Type.getType(MethodType.methodType(t).wrap().returnType());
      mv.visitTypeInsn(Opcodes.CHECKCAST, boxed.getInternalName());
      mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, boxed.getInternalName(), t.getName() + "Value", "()" + Type.getDescriptor(t), false);
    } else {
      mv.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(t));
    }
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
