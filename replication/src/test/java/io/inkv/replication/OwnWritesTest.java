package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the applier does with an own event it meets, decided from the record of this JVM's writes in flight. */
class OwnWritesTest {
  private final OwnWrites own = new OwnWrites();
  private final byte[] key = {'k'};

  @Test
  void anOwnWriteMetUndisturbedIsNotAppliedAgain() {
    own.published(key, own.nextSequence(), true, null);
    assertFalse(own.met(key, 1));
    assertNull(own.pendingOf(key));
  }

  @Test
  void anOwnWriteDisturbedByAWholeStoreEventIsAppliedAgain() {
    own.published(key, own.nextSequence(), true, null);
    own.disturbAll(); // the applier applied a whole-store event that came before the write in the log
    assertTrue(own.met(key, 1));
  }

  @Test
  void anOwnWriteThatALaterOwnClearWipedIsNotBroughtBackBeforeTheClearIsMet() {
    long put = own.nextSequence();
    own.published(key, put, true, null);
    long clear = own.nextSequence();
    own.publishedClear(clear); // applied here: the key is gone
    own.disturbAll();
    assertFalse(own.met(key, put), "re-applying the put would show the cleared key until the clear is met");
    own.wholeStoreMet(new Event.Clear(0, own.writerId(), clear, 1, 0));
    long again = own.nextSequence();
    own.published(key, again, true, null);
    own.disturbAll();
    assertTrue(own.met(key, again), "no own clear follows this write");
  }

  @Test
  void twoOwnClearsInFlightKeepAWriteBetweenThemFromComingBack() {
    long first = own.nextSequence();
    own.published(key, first, true, null);
    long clear1 = own.nextSequence();
    own.publishedClear(clear1);
    long second = own.nextSequence();
    own.published(key, second, true, null);
    long clear2 = own.nextSequence();
    own.publishedClear(clear2); // here: the key is absent
    assertFalse(own.met(key, first));
    own.wholeStoreMet(new Event.Clear(0, own.writerId(), clear1, 1, 0));
    own.disturbAll();
    assertFalse(own.met(key, second), "the second clear, still on its way, wiped this write here");
  }

  @Test
  void aMergedFieldStaysPendingUntilTheOwnMergeThatSetItLastIsMet() {
    long first = own.nextSequence();
    own.published(key, first, false, List.of("a", "b"));
    long second = own.nextSequence();
    own.published(key, second, false, List.of("b"));
    assertFalse(own.pendingOf(key).decidesEntry(), "merges decide only their fields");
    assertEquals(Set.of("a", "b"), own.pendingOf(key).fieldsSet());
    assertFalse(own.met(key, first));
    assertEquals(Set.of("b"), own.pendingOf(key).fieldsSet(), "b was set again by the second merge, still on its way");
    assertFalse(own.met(key, second));
    assertNull(own.pendingOf(key), "the latest own write was met: nothing of the key is pending");
  }

  @Test
  void aFullWriteAfterMergesDecidesTheEntryUntilItIsMet() {
    long merge = own.nextSequence();
    own.published(key, merge, false, List.of("a"));
    long put = own.nextSequence();
    own.published(key, put, true, null);
    assertTrue(own.pendingOf(key).decidesEntry());
    assertEquals(Set.of(), own.pendingOf(key).fieldsSet(), "the full write replaced what the merge set");
    assertFalse(own.met(key, merge));
    assertTrue(own.pendingOf(key).decidesEntry(), "the full write is still on its way");
    assertFalse(own.met(key, put));
    assertNull(own.pendingOf(key));
  }

  @Test
  void aByteStoreWriteKeepsNoFieldsAndKeysMatchByContent() {
    own.published(new byte[] {'k', '1'}, own.nextSequence(), true, null);
    assertEquals(Set.of(), own.pendingOf(new byte[] {'k', '1'}).fieldsSet(), "an equal array finds the pending write");
    assertNull(own.pendingOf(new byte[] {'k', '2'}));
  }
}
