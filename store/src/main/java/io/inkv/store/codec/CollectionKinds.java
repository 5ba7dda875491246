package io.inkv.store.codec;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/*
 * The JDK collections and maps the tagged format writes, each as a kind byte: which class a value
 * is, and how to build one of the same kind back. TaggedFormat writes and reads the elements; this
 * class knows the classes.
 *
 * What each kind decodes to: ArrayList, LinkedList, HashSet, LinkedHashSet, TreeSet, HashMap,
 * LinkedHashMap and TreeMap themselves; the immutable List.of/Set.of/Map.of family (and
 * Stream.toList) as List.of/Set.of/Map.of copies; Collections.unmodifiable* views as views of an
 * ArrayList, LinkedHashSet or LinkedHashMap; empty and singleton collections as themselves;
 * Arrays.asList as Arrays.asList; any other public java.util collection or map with a public
 * no-argument constructor (ArrayDeque, ConcurrentHashMap, CopyOnWriteArrayList, ...) by that class,
 * whose name follows the kind byte. Sorted collections with a comparator, and collections of other
 * packages, have no kind and take Java serialization if Serializable.
 *
 * The kind numbers are stored: never renumber one.
 */
final class CollectionKinds {
  static final int K_ARRAY_LIST = 0;
  static final int K_LINKED_LIST = 1;
  static final int K_IMMUTABLE = 2;
  static final int K_UNMODIFIABLE = 3;
  static final int K_ARRAYS_AS_LIST = 4;
  static final int K_EMPTY = 5;
  static final int K_SINGLETON = 6;
  static final int K_BY_CLASS = 7;
  static final int K_HASH = 8;
  static final int K_LINKED_HASH = 9;
  static final int K_TREE = 10;

  private static final Class<?> IMMUTABLE_LIST = List.of(1, 2, 3).getClass();
  private static final Class<?> IMMUTABLE_LIST12 = List.of(1).getClass();
  private static final Class<?> IMMUTABLE_SUBLIST = List.of(1, 2, 3).subList(0, 2).getClass();
  private static final Class<?> IMMUTABLE_SET = Set.of(1, 2, 3).getClass();
  private static final Class<?> IMMUTABLE_SET12 = Set.of(1).getClass();
  private static final Class<?> IMMUTABLE_MAP = Map.of(1, 1, 2, 2).getClass();
  private static final Class<?> IMMUTABLE_MAP1 = Map.of(1, 1).getClass();
  private static final Class<?> UNMODIFIABLE_LIST = Collections.unmodifiableList(new ArrayList<>()).getClass();
  private static final Class<?> UNMODIFIABLE_LIST_SEQ = Collections.unmodifiableList(new LinkedList<>()).getClass();
  private static final Class<?> UNMODIFIABLE_SET = Collections.unmodifiableSet(new HashSet<>()).getClass();
  private static final Class<?> UNMODIFIABLE_COLLECTION = Collections.unmodifiableCollection(new ArrayList<>()).getClass();
  private static final Class<?> UNMODIFIABLE_MAP = Collections.unmodifiableMap(new HashMap<>()).getClass();
  private static final Class<?> ARRAYS_AS_LIST = Arrays.asList(1).getClass();
  private static final Class<?> EMPTY_LIST = Collections.emptyList().getClass();
  private static final Class<?> EMPTY_SET = Collections.emptySet().getClass();
  private static final Class<?> EMPTY_MAP = Collections.emptyMap().getClass();
  private static final Class<?> SINGLETON_LIST = Collections.singletonList(1).getClass();
  private static final Class<?> SINGLETON_SET = Collections.singleton(1).getClass();
  private static final Class<?> SINGLETON_MAP = Collections.singletonMap(1, 1).getClass();
  private static final Class<?> UNMODIFIABLE_SORTED_SET = Collections.unmodifiableSortedSet(new TreeSet<>()).getClass();
  private static final Class<?> UNMODIFIABLE_SORTED_MAP = Collections.unmodifiableSortedMap(new TreeMap<>()).getClass();

  // The kind of each JDK collection and map class that has a fixed one, -1 for those the tagged
  // format leaves to Java serialization. TreeSet and TreeMap are not here: their kind depends on
  // their comparator. Classes not here are written by class name if byClass takes them.
  private static final Map<Class<?>, Integer> KINDS = fixedKinds();

  private CollectionKinds() {}

  private static Map<Class<?>, Integer> fixedKinds() {
    Map<Class<?>, Integer> kinds = new HashMap<>();
    put(kinds, K_ARRAY_LIST, ArrayList.class);
    put(kinds, K_LINKED_LIST, LinkedList.class);
    put(kinds, K_HASH, HashSet.class, HashMap.class);
    put(kinds, K_LINKED_HASH, LinkedHashSet.class, LinkedHashMap.class);
    put(kinds, K_IMMUTABLE, IMMUTABLE_LIST, IMMUTABLE_LIST12, IMMUTABLE_SUBLIST, IMMUTABLE_SET, IMMUTABLE_SET12,
        IMMUTABLE_MAP, IMMUTABLE_MAP1);
    put(kinds, K_UNMODIFIABLE, UNMODIFIABLE_LIST, UNMODIFIABLE_LIST_SEQ, UNMODIFIABLE_SET, UNMODIFIABLE_MAP);
    put(kinds, K_ARRAYS_AS_LIST, ARRAYS_AS_LIST);
    put(kinds, K_EMPTY, EMPTY_LIST, EMPTY_SET, EMPTY_MAP);
    put(kinds, K_SINGLETON, SINGLETON_LIST, SINGLETON_SET, SINGLETON_MAP);
    put(kinds, -1, UNMODIFIABLE_COLLECTION, UNMODIFIABLE_SORTED_SET, UNMODIFIABLE_SORTED_MAP);
    return Map.copyOf(kinds);
  }

  /** Gives each class its kind, unless an earlier line gave it one (should two JDK classes coincide). */
  private static void put(Map<Class<?>, Integer> kinds, int kind, Class<?>... classes) {
    for (Class<?> c : classes) {
      kinds.putIfAbsent(c, kind);
    }
  }

  /** Whether {@code collection} (a collection or a map) is hash-ordered: written sorted, for canonical bytes. */
  static boolean unordered(Object collection) {
    return !(collection instanceof SortedSet || collection instanceof SortedMap || collection instanceof List
        || collection instanceof LinkedHashSet || collection instanceof LinkedHashMap
        || collection instanceof java.util.Queue)
        && (collection instanceof HashSet || collection instanceof HashMap || collection instanceof ConcurrentHashMap
            || collection instanceof java.util.Hashtable || collection.getClass() == IMMUTABLE_SET
            || collection.getClass() == IMMUTABLE_SET12 || collection.getClass() == IMMUTABLE_MAP
            || collection.getClass() == IMMUTABLE_MAP1 || collection instanceof java.util.concurrent.CopyOnWriteArraySet);
  }

  /** The kind of a collection, or -1 for one the tagged format does not write (it takes Java serialization). */
  static int of(Collection<?> coll) {
    Class<?> c = coll.getClass();
    if (c == TreeSet.class) {
      return ((TreeSet<?>) coll).comparator() == null ? K_TREE : -1;
    }
    Integer kind = KINDS.get(c);
    if (kind != null) {
      return kind;
    }
    return byClass(c, coll instanceof SortedSet<?> s ? s.comparator()
        : coll instanceof java.util.PriorityQueue<?> q ? q.comparator() : null) ? K_BY_CLASS : -1;
  }

  /** The kind of a map, or -1 for one the tagged format does not write. */
  static int of(Map<?, ?> map) {
    Class<?> c = map.getClass();
    if (c == TreeMap.class) {
      return ((TreeMap<?, ?>) map).comparator() == null ? K_TREE : -1;
    }
    Integer kind = KINDS.get(c);
    if (kind != null) {
      return kind;
    }
    return byClass(c, map instanceof SortedMap<?, ?> s ? s.comparator() : null) ? K_BY_CLASS : -1;
  }

  /** A public JDK collection class with a public no-argument constructor and no comparator. */
  static boolean byClass(Class<?> c, Object comparator) {
    String n = c.getName();
    if (comparator != null || !Modifier.isPublic(c.getModifiers())
        || !(n.startsWith("java.util.") && n.indexOf('$') < 0) || c == java.util.IdentityHashMap.class
        || c == java.util.WeakHashMap.class) {
      return false;
    }
    try {
      return Modifier.isPublic(c.getConstructor().getModifiers());
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** An empty collection to read {@code n} elements into, of the class the kind builds from. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Collection<Object> newCollection(int kind, boolean set, Class<?> byClass, int n) {
    if (byClass != null) {
      if (!Collection.class.isAssignableFrom(byClass) || !byClass(byClass, null)) {
        throw new Codec.DecodeException("the stored collection class " + byClass.getName() + " is not one inkv builds");
      }
      return (Collection<Object>) construct(byClass);
    } else if (kind == K_LINKED_LIST) {
      return new LinkedList<>();
    } else if (kind == K_TREE) {
      return (Collection) new TreeSet<>();
    } else if (kind == K_HASH) {
      return new HashSet<>(capacity(n));
    } else if (set) {
      return new LinkedHashSet<>(capacity(n));
    }
    return new ArrayList<>(n);
  }

  /** The collection of kind {@code kind} that holds the {@code n} elements read into {@code c}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Object finish(int kind, boolean set, Collection<Object> c, int n) {
    switch (kind) {
      case K_ARRAY_LIST, K_LINKED_LIST, K_HASH, K_LINKED_HASH, K_TREE, K_BY_CLASS:
        return c;
      case K_IMMUTABLE:
        return set ? Set.copyOf(c) : List.copyOf(c);
      case K_UNMODIFIABLE:
        return set ? Collections.unmodifiableSet((Set) c) : Collections.unmodifiableList((List) c);
      case K_ARRAYS_AS_LIST:
        return Arrays.asList(c.toArray());
      case K_EMPTY:
        return set ? Collections.emptySet() : Collections.emptyList();
      case K_SINGLETON:
        if (n != 1) {
          throw new Codec.DecodeException("a stored singleton collection holds " + n + " elements");
        }
        Object only = c.iterator().next();
        return set ? Collections.singleton(only) : Collections.singletonList(only);
      default:
        throw new Codec.DecodeException("unknown collection kind " + kind + " in a stored value");
    }
  }

  /** An empty map to read {@code n} entries into, of the class the kind builds from. */
  @SuppressWarnings("unchecked")
  static Map<Object, Object> newMap(int kind, Class<?> byClass, int n) {
    if (byClass != null) {
      if (!Map.class.isAssignableFrom(byClass) || !byClass(byClass, null)) {
        throw new Codec.DecodeException("the stored map class " + byClass.getName() + " is not one inkv builds");
      }
      return (Map<Object, Object>) construct(byClass);
    } else if (kind == K_TREE) {
      return new TreeMap<>();
    } else if (kind == K_HASH) {
      return new HashMap<>(capacity(n));
    }
    return new LinkedHashMap<>(capacity(n));
  }

  /** The map of kind {@code kind} that holds the {@code n} entries read into {@code m}. */
  static Object finish(int kind, Map<Object, Object> m, int n) {
    switch (kind) {
      case K_HASH, K_LINKED_HASH, K_TREE, K_BY_CLASS:
        return m;
      case K_IMMUTABLE:
        return Map.copyOf(m);
      case K_UNMODIFIABLE:
        return Collections.unmodifiableMap(m);
      case K_EMPTY:
        return Collections.emptyMap();
      case K_SINGLETON: {
        if (n != 1) {
          throw new Codec.DecodeException("a stored singleton map holds " + n + " entries");
        }
        Map.Entry<Object, Object> e = m.entrySet().iterator().next();
        return Collections.singletonMap(e.getKey(), e.getValue());
      }
      default:
        throw new Codec.DecodeException("unknown map kind " + kind + " in a stored value");
    }
  }

  private static int capacity(int n) {
    return Math.max(4, (int) (n / .75f) + 1);
  }

  private static Object construct(Class<?> c) {
    try {
      return c.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new Codec.DecodeException("cannot build a " + c.getName() + ": " + e, e);
    }
  }
}
