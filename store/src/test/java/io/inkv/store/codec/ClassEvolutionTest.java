package io.inkv.store.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling deployment: two versions of the same classes, compiled here and loaded by two class
 * loaders as two versions of an application would be, write and read each other's values.
 */
class ClassEvolutionTest {
  @TempDir
  static Path dir;

  static ClassLoader v1;
  static ClassLoader v2;
  static ClassLoader v3;
  static ClassLoader none;

  private static final String PROFILE_V1 = "package demo; public record Profile(long id, String name, int age) {}";
  private static final String PROFILE_V2 = "package demo; public record Profile(long id, String name, String email,"
      + " java.util.List<String> tags) {}";
  private static final String PROFILE_V3 = "package demo; public record Profile(long id, String name, long age) {}";
  private static final String ACCOUNT_V1 = "package demo; public final class Account { private final String owner;"
      + " private final long balance; public Account(String owner, long balance) { this.owner = owner;"
      + " this.balance = balance; } public String owner() { return owner; } public long balance() { return balance; } }";
  private static final String ACCOUNT_V2 = "package demo; public final class Account { private final String owner;"
      + " private final long balance; private final int level; public Account(String owner, long balance, int level) {"
      + " this.owner = owner; this.balance = balance; this.level = level; } public String owner() { return owner; }"
      + " public long balance() { return balance; } public int level() { return level; } }";

  private static final String ADDRESS_V1 = "package demo; public record Address(String city, int zip) {}";
  private static final String ADDRESS_V2 = "package demo; public record Address(String city, int zip, String country) {}";
  private static final String ADDRESS_V3 = "package demo; public record Address(String city, long zip) {}";
  /* The same in every version: only the class of its nested fields changes. */
  private static final String CUSTOMER = "package demo; public record Customer(long id, Address home, Address work) {}";

  @BeforeAll
  static void compileTwoVersions() throws IOException {
    v1 = compile("v1", PROFILE_V1, ACCOUNT_V1, ADDRESS_V1, CUSTOMER);
    v2 = compile("v2", PROFILE_V2, ACCOUNT_V2, ADDRESS_V2, CUSTOMER);
    v3 = compile("v3", PROFILE_V3, ACCOUNT_V1, ADDRESS_V3, CUSTOMER);
    none = new URLClassLoader(new URL[0], ClassEvolutionTest.class.getClassLoader());
  }

  private static ClassLoader compile(String version, String... sources) throws IOException {
    Path src = Files.createDirectories(dir.resolve(version + "-src/demo"));
    Path out = Files.createDirectories(dir.resolve(version));
    List<String> args = new java.util.ArrayList<>(List.of("-d", out.toString(), "--release", "17"));
    for (String s : sources) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("public (?:final )?(?:record|class) (\\w+)").matcher(s);
      assertTrue(m.find(), s);
      String name = m.group(1);
      Path file = src.resolve(name + ".java");
      Files.writeString(file, s);
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "javac compiled " + version);
    return new URLClassLoader(new URL[] {out.toUri().toURL()}, ClassEvolutionTest.class.getClassLoader());
  }

  private static Class<?> type(ClassLoader loader, String name) throws ClassNotFoundException {
    return Class.forName("demo." + name, true, loader);
  }

  private static Object newInstance(ClassLoader loader, String name, Object... args) throws Exception {
    for (var c : type(loader, name).getConstructors()) {
      if (c.getParameterCount() == args.length) {
        return c.newInstance(args);
      }
    }
    throw new AssertionError("no constructor");
  }

  private static Object get(Object o, String accessor) throws Exception {
    return o.getClass().getMethod(accessor).invoke(o);
  }

  @SuppressWarnings("unchecked")
  private static Codec<Object> codec(ClassLoader loader, String name) throws ClassNotFoundException {
    return (Codec<Object>) Codec.forClass(type(loader, name), loader);
  }

  @Test
  void aRecordWrittenByTheOldVersionReadsInTheNewWithAddedFieldsNullAndRemovedOnesSkipped() throws Exception {
    byte[] old = codec(v1, "Profile").encode(newInstance(v1, "Profile", 7L, "ann", 41));
    Object read = codec(v2, "Profile").decode(old);
    assertEquals(7L, get(read, "id"));
    assertEquals("ann", get(read, "name"));
    assertNull(get(read, "email"));
    assertNull(get(read, "tags"));
  }

  @Test
  void aRecordWrittenByTheNewVersionReadsInTheOldWithTheRemovedFieldZero() throws Exception {
    byte[] newer = codec(v2, "Profile").encode(newInstance(v2, "Profile", 8L, "bob", "b@x", List.of("t")));
    Object read = codec(v1, "Profile").decode(newer);
    assertEquals(8L, get(read, "id"));
    assertEquals("bob", get(read, "name"));
    assertEquals(0, get(read, "age"));
  }

  @Test
  void anImmutableClassReadsAcrossVersionsBothWays() throws Exception {
    byte[] old = codec(v1, "Account").encode(newInstance(v1, "Account", "ann", 100L));
    Object read = codec(v2, "Account").decode(old);
    assertEquals("ann", get(read, "owner"));
    assertEquals(100L, get(read, "balance"));
    assertEquals(0, get(read, "level"));
    byte[] newer = codec(v2, "Account").encode(newInstance(v2, "Account", "bob", 5L, 3));
    Object back = codec(v1, "Account").decode(newer);
    assertEquals("bob", get(back, "owner"));
    assertEquals(5L, get(back, "balance"));
  }

  @Test
  void valuesNestedInCollectionsOfTheObjectCodecReadAcrossVersions() throws Exception {
    Object list = List.of(newInstance(v1, "Profile", 1L, "a", 1), newInstance(v1, "Profile", 2L, "b", 2));
    byte[] bytes = Codec.anyType(v1).encode(Map.of("k", list));
    @SuppressWarnings("unchecked")
    Map<String, List<Object>> read = (Map<String, List<Object>>) Codec.anyType(v2).decode(bytes);
    assertEquals(2, read.get("k").size());
    assertEquals("b", get(read.get("k").get(1), "name"));
    assertEquals(type(v2, "Profile"), read.get("k").get(0).getClass());
    byte[] single = Codec.anyType(v2).encode(newInstance(v2, "Profile", 3L, "c", null, List.of()));
    assertEquals(3L, get(Codec.anyType(v1).decode(single), "id"));
  }

  @Test
  void aFieldWhoseTypeChangedIsADecodeExceptionNamingTheClassAndTheField() throws Exception {
    byte[] old = codec(v1, "Profile").encode(newInstance(v1, "Profile", 7L, "ann", 41));
    Codec.DecodeException e = assertThrows(Codec.DecodeException.class, () -> codec(v3, "Profile").decode(old));
    assertTrue(e.getMessage().contains("demo.Profile.age") && e.getMessage().contains("int")
        && e.getMessage().contains("long"), e.getMessage());
    byte[] tagged = Codec.anyType(v1).encode(List.of(newInstance(v1, "Profile", 7L, "ann", 41)));
    assertThrows(Codec.DecodeException.class, () -> Codec.anyType(v3).decode(tagged));
  }

  @Test
  void aStoredClassThatIsGoneIsADecodeExceptionNamingIt() throws Exception {
    byte[] bytes = Codec.anyType(v1).encode(newInstance(v1, "Profile", 7L, "ann", 41));
    Codec.DecodeException e = assertThrows(Codec.DecodeException.class, () -> Codec.anyType(none).decode(bytes));
    assertTrue(e.getMessage().contains("demo.Profile"), e.getMessage());
    byte[] list = Codec.anyType(v1).encode(List.of(newInstance(v1, "Account", "x", 1L)));
    assertThrows(Codec.DecodeException.class, () -> Codec.anyType(none).decode(list));
  }

  @Test
  void aValueOfAnotherClassIsNotReadAsThisOne() throws Exception {
    byte[] account = codec(v1, "Account").encode(newInstance(v1, "Account", "x", 1L));
    Codec.DecodeException e = assertThrows(Codec.DecodeException.class, () -> codec(v1, "Profile").decode(account));
    assertTrue(e.getMessage().contains("demo.Profile"), e.getMessage());
  }

  @Test
  void aNestedRecordWhoseClassChangedReadsAcrossVersionsBothWays() throws Exception {
    Object home = newInstance(v1, "Address", "Oslo", 150);
    byte[] old = codec(v1, "Customer").encode(newInstance(v1, "Customer", 1L, home, null));
    Object read = codec(v2, "Customer").decode(old);
    assertEquals(1L, get(read, "id"));
    assertEquals("Oslo", get(get(read, "home"), "city"));
    assertEquals(150, get(get(read, "home"), "zip"));
    assertNull(get(get(read, "home"), "country"));
    assertNull(get(read, "work"));

    byte[] newer = codec(v2, "Customer").encode(newInstance(v2, "Customer", 2L,
        newInstance(v2, "Address", "Rome", 100, "IT"), newInstance(v2, "Address", "Pisa", 560, "IT")));
    Object back = codec(v1, "Customer").decode(newer);
    assertEquals(type(v1, "Address"), get(back, "home").getClass());
    assertEquals("Rome", get(get(back, "home"), "city"));
    assertEquals(560, get(get(back, "work"), "zip"));
  }

  @Test
  void nestedRecordsInACollectionReadAcrossVersionsOfTheirNestedClass() throws Exception {
    Object list = List.of(newInstance(v2, "Customer", 3L, newInstance(v2, "Address", "Bern", 3000, "CH"), null),
        newInstance(v2, "Customer", 4L, null, newInstance(v2, "Address", "Linz", 4020, "AT")));
    @SuppressWarnings("unchecked")
    List<Object> read = (List<Object>) Codec.anyType(v1).decode(Codec.anyType(v2).encode(list));
    assertEquals("Bern", get(get(read.get(0), "home"), "city"));
    assertEquals(4020, get(get(read.get(1), "work"), "zip"));
    assertEquals(type(v1, "Customer"), read.get(1).getClass());
  }

  @Test
  void aNestedFieldWhoseTypeChangedIsADecodeExceptionNamingTheNestedClass() throws Exception {
    byte[] old = codec(v1, "Customer").encode(newInstance(v1, "Customer", 1L, newInstance(v1, "Address", "Oslo", 150), null));
    Codec.DecodeException e = assertThrows(Codec.DecodeException.class, () -> codec(v3, "Customer").decode(old));
    assertTrue(e.getMessage().contains("demo.Address.zip"), e.getMessage());
  }
}
