package io.inkv.jcache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.processor.EntryProcessor;

/**
 * A sequence of cache operations covering the whole {@link Cache} API, run step by step against
 * inkv and the reference implementation so that tests can compare what each step did.
 */
final class Script {
  record Step(String name, Consumer<Cache<String, String>> action) {}

  private Script() {}

  private static Set<String> keys(String... keys) {
    return new LinkedHashSet<>(List.of(keys));
  }

  private static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static EntryProcessor<String, String, String> set(String value) {
    return (entry, args) -> {
      entry.setValue(value);
      return null;
    };
  }

  private static final EntryProcessor<String, String, String> READ = (entry, args) -> entry.getValue();
  private static final EntryProcessor<String, String, String> REMOVE = (entry, args) -> {
    entry.remove();
    return null;
  };
  private static final EntryProcessor<String, String, Boolean> EXISTS = (entry, args) -> entry.exists();

  static List<Step> all() {
    List<Step> s = new ArrayList<>();
    s.add(new Step("get of a missing key", c -> c.get("a")));
    s.add(new Step("put", c -> c.put("a", "1")));
    s.add(new Step("get of a present key", c -> c.get("a")));
    s.add(new Step("put over a value", c -> c.put("a", "2")));
    s.add(new Step("getAll of present and missing keys", c -> c.getAll(keys("a", "b", "c"))));
    s.add(new Step("containsKey", c -> c.containsKey("a")));
    s.add(new Step("putIfAbsent of a missing key", c -> c.putIfAbsent("b", "1")));
    s.add(new Step("putIfAbsent of a present key", c -> c.putIfAbsent("b", "2")));
    s.add(new Step("getAndPut of a missing key", c -> c.getAndPut("c", "1")));
    s.add(new Step("getAndPut of a present key", c -> c.getAndPut("c", "2")));
    s.add(new Step("putAll", c -> c.putAll(map("d", "1", "e", "1", "a", "3"))));
    s.add(new Step("replace of a missing key", c -> c.replace("x", "1")));
    s.add(new Step("replace of a present key", c -> c.replace("d", "2")));
    s.add(new Step("replace with a matching old value", c -> c.replace("d", "2", "3")));
    s.add(new Step("replace with another old value", c -> c.replace("d", "9", "4")));
    s.add(new Step("replace of a missing key with an old value", c -> c.replace("x", "9", "4")));
    s.add(new Step("getAndReplace of a present key", c -> c.getAndReplace("e", "2")));
    s.add(new Step("getAndReplace of a missing key", c -> c.getAndReplace("x", "2")));
    s.add(new Step("remove of a missing key", c -> c.remove("x")));
    s.add(new Step("remove of a present key", c -> c.remove("e")));
    s.add(new Step("remove with a matching value", c -> c.remove("d", "3")));
    s.add(new Step("remove with another value", c -> c.remove("c", "9")));
    s.add(new Step("remove with a value of a missing key", c -> c.remove("x", "9")));
    s.add(new Step("getAndRemove of a present key", c -> c.getAndRemove("c")));
    s.add(new Step("getAndRemove of a missing key", c -> c.getAndRemove("c")));
    s.add(new Step("invoke that creates", c -> c.invoke("f", set("1"))));
    s.add(new Step("invoke that updates", c -> c.invoke("f", set("2"))));
    s.add(new Step("invoke that reads", c -> c.invoke("f", READ)));
    s.add(new Step("invoke that reads a missing key", c -> c.invoke("x", READ)));
    s.add(new Step("invoke that checks existence", c -> c.invoke("f", EXISTS)));
    s.add(new Step("invoke that removes", c -> c.invoke("f", REMOVE)));
    s.add(new Step("invokeAll", c -> c.invokeAll(keys("g", "h"), set("1"))));
    s.add(new Step("iteration", c -> c.forEach(e -> { })));
    s.add(new Step("iterator remove", c -> {
      var it = c.iterator();
      while (it.hasNext()) {
        if (it.next().getKey().equals("g")) {
          it.remove();
        }
      }
    }));
    s.add(new Step("removeAll of keys", c -> c.removeAll(keys("h", "x"))));
    s.add(new Step("refill", c -> c.putAll(map("i", "1", "j", "1"))));
    s.add(new Step("removeAll", Cache::removeAll));
    s.add(new Step("put after removeAll", c -> c.put("k", "1")));
    s.add(new Step("clear", Cache::clear));
    s.add(new Step("get after clear", c -> c.get("k")));
    return s;
  }
}
