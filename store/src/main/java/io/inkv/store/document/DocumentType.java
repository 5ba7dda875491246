package io.inkv.store.document;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.FieldManifestation;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FieldAccessor;
import net.bytebuddy.implementation.MethodCall;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * A user interface describing a document, implemented by a generated flyweight whose getters read
 * fields lazily, in place, from a {@link DocumentView}.
 *
 * <pre>{@code
 * public interface User { String name(); int age(); }
 *
 * DocumentType<User> type = users.typed(User.class);
 * DocumentView view = new DocumentView();
 * User user = type.over(view);          // one flyweight, reused for every document
 * users.read(key, view);                // refill the view; user now reads this document
 * int age = user.age();                 // one field read from the mapped record, no allocation
 * }</pre>
 *
 * <p>Each abstract method of the interface takes no arguments and names a field: {@code age()},
 * {@code getAge()} or {@code isActive()} read the field {@code age} or {@code active}. Return
 * types map to field types: {@code int} INT32, {@code long} INT64, {@code float} FLOAT32,
 * {@code double} FLOAT64, {@code boolean} BOOLEAN, {@code String} STRING, {@code byte[]} BYTES. An
 * absent field reads as 0, {@code false} or null. The interface must be public; default methods
 * are kept as written.
 *
 * <p>The class is generated once, with Byte Buddy, when the type is created; each getter is a
 * direct call of the matching {@link DocumentView} getter with the resolved {@link Field}, so a
 * read through the interface costs what a read through the view costs.
 *
 * @param <T> the interface
 */
public final class DocumentType<T> {
  // The field type a getter of each return type reads; other return types read none.
  private static final Map<Class<?>, FieldType> TYPE_OF = Map.of(
      int.class, FieldType.INT32, long.class, FieldType.INT64, float.class, FieldType.FLOAT32,
      double.class, FieldType.FLOAT64, boolean.class, FieldType.BOOLEAN, String.class, FieldType.STRING,
      byte[].class, FieldType.BYTES);

  private final Class<T> iface;
  private final java.lang.reflect.Constructor<? extends T> constructor;

  private DocumentType(Class<T> iface, Class<? extends T> implementation) {
    this.iface = iface;
    try {
      this.constructor = implementation.getConstructor(DocumentView.class);
    } catch (NoSuchMethodException e) {
      throw new AssertionError("the generated view of " + iface.getName() + " has no view constructor", e);
    }
  }

  static <T> DocumentType<T> generate(Class<T> iface, DocumentStore store) {
    if (!iface.isInterface() || !Modifier.isPublic(iface.getModifiers())) {
      throw new IllegalArgumentException(iface.getName() + " must be a public interface to be a document type");
    }
    var builder = new ByteBuddy()
        .subclass(Object.class)
        .implement(iface)
        .defineField("view", DocumentView.class, Visibility.PRIVATE, FieldManifestation.FINAL)
        .defineConstructor(Visibility.PUBLIC)
        .withParameters(DocumentView.class)
        .intercept(MethodCall.invoke(objectConstructor()).andThen(FieldAccessor.ofField("view").setsArgumentAt(0)));
    for (Method m : iface.getMethods()) {
      if (!Modifier.isAbstract(m.getModifiers()) || Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      if (m.getParameterCount() != 0) {
        throw new IllegalArgumentException(iface.getSimpleName() + "." + m.getName()
            + " takes arguments; a document type's methods are field getters with none");
      }
      String name = fieldName(m);
      Field field = store.field(name);
      Class<?> returns = m.getReturnType();
      FieldType wanted = TYPE_OF.get(returns);
      if (wanted == null || wanted != field.type()) {
        throw new IllegalArgumentException(iface.getSimpleName() + "." + m.getName() + "() returns "
            + returns.getSimpleName() + " but field '" + name + "' is " + field.type());
      }
      MethodCall read = switch (field.type()) {
        case INT32 -> MethodCall.invoke(viewMethod("getInt", Field.class, int.class)).onField("view").with(field, 0);
        case INT64 -> MethodCall.invoke(viewMethod("getLong", Field.class, long.class)).onField("view").with(field, 0L);
        case FLOAT32 -> MethodCall.invoke(viewMethod("getFloat", Field.class, float.class)).onField("view").with(field, 0f);
        case FLOAT64 -> MethodCall.invoke(viewMethod("getDouble", Field.class, double.class)).onField("view").with(field, 0d);
        case BOOLEAN -> MethodCall.invoke(viewMethod("getBoolean", Field.class, boolean.class)).onField("view").with(field, false);
        case STRING -> MethodCall.invoke(viewMethod("getString", Field.class)).onField("view").with(field);
        case BYTES -> MethodCall.invoke(viewMethod("getBytes", Field.class)).onField("view").with(field);
      };
      builder = builder.method(ElementMatchers.is(m)).intercept(read);
    }
    Class<?> loaded = builder.make()
        .load(iface.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER)
        .getLoaded();
    return new DocumentType<>(iface, loaded.asSubclass(iface));
  }

  private static java.lang.reflect.Constructor<Object> objectConstructor() {
    try {
      return Object.class.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  private static Method viewMethod(String name, Class<?>... parameters) {
    try {
      return DocumentView.class.getMethod(name, parameters);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  static String fieldName(Method m) {
    String n = m.getName();
    if (n.length() > 3 && n.startsWith("get") && Character.isUpperCase(n.charAt(3))) {
      return decapitalize(n.substring(3));
    }
    if (n.length() > 2 && n.startsWith("is") && Character.isUpperCase(n.charAt(2))
        && (m.getReturnType() == boolean.class)) {
      return decapitalize(n.substring(2));
    }
    return n;
  }

  private static String decapitalize(String s) {
    return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
  }

  /** Returns the interface this type implements. */
  public Class<T> type() {
    return iface;
  }

  /**
   * Returns a flyweight that reads its fields from {@code view}: it shows whichever document the
   * view holds each time a getter runs. Allocates one object; reuse it.
   */
  public T over(DocumentView view) {
    try {
      return constructor.newInstance(view);
    } catch (InvocationTargetException | InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException("cannot instantiate the generated view of " + iface.getName(), e);
    }
  }

  @Override
  public String toString() {
    return "DocumentType[" + iface.getName() + "]";
  }
}
