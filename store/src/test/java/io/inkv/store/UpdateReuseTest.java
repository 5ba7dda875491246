package io.inkv.store;

import static io.inkv.store.StoreTesting.bytes;
import static io.inkv.store.StoreTesting.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Current and Writer an update's function sees are reused by the store (one per key lock):
 * they answer only inside the function, an update nested under the same lock does not disturb
 * the outer one, and the current value is read when asked for, the same copy every time.
 */
@ExtendWith(StoreResourceCheck.class)
class UpdateReuseTest {
  @TempDir Path dir;

  private Store store;

  private Store open() {
    store = StoreOptions.builder(dir.resolve("store")).segmentSize(StoreOptions.MIN_SEGMENT_SIZE)
        .backgroundMaintenance(false).open();
    return store;
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aCurrentOrWriterKeptPastTheFunctionRefusesEveryCallAndChangesNothing() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    AtomicReference<EntryUpdate.Current> current = new AtomicReference<>();
    AtomicReference<EntryUpdate.Writer> writer = new AtomicReference<>();
    s.update(bytes("k"), (c, w) -> {
      current.set(c);
      writer.set(w);
      return null;
    });
    assertThrows(IllegalStateException.class, () -> current.get().value());
    assertThrows(IllegalStateException.class, () -> current.get().expireAt());
    assertThrows(IllegalStateException.class, () -> writer.get().put(bytes("late"), Store.NEVER));
    assertThrows(IllegalStateException.class, () -> writer.get().setExpiry(Store.NEVER));
    assertThrows(IllegalStateException.class, () -> writer.get().remove());
    assertEquals("v", string(s.get(bytes("k"))));
  }

  @Test
  void theCurrentValueIsOneCopyHoweverOftenItIsAskedFor() {
    Store s = open();
    s.put(bytes("k"), bytes("v"));
    s.update(bytes("k"), (c, w) -> {
      byte[] first = c.value();
      assertSame(first, c.value());
      w.put(bytes("w"), Store.NEVER);
      assertEquals("v", string(c.value()), "the old value until the function returns");
      return null;
    });
    byte[][] seen = new byte[2][];
    s.update(bytes("k"), (c, w) -> {
      seen[0] = c.value();
      return null;
    });
    s.update(bytes("k"), (c, w) -> {
      seen[1] = c.value();
      return null;
    });
    assertEquals("w", string(seen[0]));
    assertNotSame(seen[0], seen[1], "every update copies the value afresh");
  }

  @Test
  void anUpdateNestedUnderTheSameLockLeavesTheOuterUpdatesStateAlone() {
    // EntryUpdate forbids a function to write to its own store; this proves the reuse survives one that does
    Store s = open();
    s.put(bytes("k"), bytes("outer-old"));
    s.put(bytes("j"), bytes("inner-old"));
    String result = s.update(bytes("k"), (c, w) -> {
      w.put(bytes("outer-new"), Store.NEVER);
      s.update(bytes("k"), (inner, iw) -> {
        assertEquals("outer-old", string(inner.value()));
        return null;
      });
      s.update(bytes("j"), (inner, iw) -> {
        iw.put(bytes("inner-new"), Store.NEVER);
        return null;
      });
      return string(c.value());
    });
    assertEquals("outer-old", result);
    assertEquals("outer-new", string(s.get(bytes("k"))));
    assertEquals("inner-new", string(s.get(bytes("j"))));
  }

  @Test
  void aStateMadeByTheCallerKeepsWhatItWasGiven() {
    EntryUpdate.Current c = EntryUpdate.Current.of(bytes("v"), 42);
    assertEquals("v", string(c.value()));
    assertEquals(42, c.expireAt());
    assertEquals(c, EntryUpdate.Current.of(c.value(), 42));
    assertNull(EntryUpdate.Current.of(null, 0).value());
  }
}
