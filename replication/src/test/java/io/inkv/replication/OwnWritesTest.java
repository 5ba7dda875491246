package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
