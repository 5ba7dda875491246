package io.inkv.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The policy on small traces whose outcome follows by hand from its rules (a tie, or a candidate
 * seen only once more than the victim, evicts the candidate; a key seen at least twice more often
 * than the victim is admitted; the window starts at 1% of the entries, which is no entry at all
 * below 100, and does not move before a sample of ten accesses per entry), replayed through a
 * cache model: a set of resident keys, a get that counts a hit, a put on a miss, and eviction down
 * to the bound. Then the window's adaptation on longer traces: bounded, repeatable, and moving
 * when recency pays.
 */
class EvictionPolicyTest {
  /** A bounded cache driven by the policy, as the store and the heap tier drive it. */
  private static final class Model {
    final EvictionPolicy policy;
    final long bound;
    final Set<Long> resident = new HashSet<>();
    final List<Long> evicted = new ArrayList<>();
    long hits;

    Model(long bound) {
      // a sketch far larger than the keys: no two keys of these traces share all four counters
      this.policy = new EvictionPolicy(4096, true);
      this.bound = bound;
    }

    boolean access(long key) {
      if (resident.contains(key)) {
        policy.recordAccess(hash(key));
        hits++;
        return true;
      }
      resident.add(key);
      policy.recordInsert(hash(key), key, resident.size() > bound);
      EvictionPolicy.Victim v = new EvictionPolicy.Victim();
      while (resident.size() > bound && policy.nextVictim(v)) {
        if (resident.remove((Long) v.key())) {
          evicted.add((Long) v.key());
        }
      }
      return false;
    }
  }

  static long hash(long key) {
    long z = key * 0x9E3779B97F4A7C15L;
    z = (z ^ z >>> 33) * 0xFF51AFD7ED558CCDL;
    return z ^ z >>> 33;
  }

  @Test
  void aScanOfOneTimeKeysDoesNotDisplaceKeysSeenBefore() {
    Model m = new Model(4);
    for (int round = 0; round < 3; round++) {
      for (long k = 1; k <= 4; k++) {
        m.access(k);
      }
    }
    for (long k = 100; k < 200; k++) {
      assertFalse(m.access(k));
    }
    for (long k = 1; k <= 4; k++) {
      assertTrue(m.access(k), "key " + k + " was seen three times and survives a scan of one-time keys");
    }
    List<Long> scan = new ArrayList<>();
    for (long k = 100; k < 200; k++) {
      scan.add(k);
    }
    assertEquals(scan, m.evicted, "each scanned key is evicted as it comes, and nothing else");
  }

  @Test
  void aLoopOneKeyLargerThanTheCacheKeepsAllButOneKeyOfIt() {
    // LRU and FIFO hit nothing here: each evicts the key that is about to be asked for. The policy
    // keeps the first ten keys: key 10 ties with the victim every round and is evicted. (Five
    // rounds: from six accesses on, a tie admits the candidate once in 128 at random.)
    Model m = new Model(10);
    for (int round = 0; round < 5; round++) {
      for (long k = 0; k <= 10; k++) {
        m.access(k);
      }
    }
    assertEquals(4 * 10, m.hits);
    assertEquals(List.of(10L, 10L, 10L, 10L, 10L), m.evicted);
    assertEquals(Set.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), m.resident);
  }

  @Test
  void aKeySeenTwiceMoreOftenThanTheVictimIsAdmitted() {
    Model m = new Model(3);
    m.access(1);
    m.access(2);
    m.access(3);
    // key 4 is new and ties with key 1 (seen once each): the candidate goes, key 1 goes round to
    // the main queue's young end
    m.access(4);
    assertEquals(List.of(4L), m.evicted);
    // key 4 again, a miss: seen twice now against key 2's once, one more is not enough (the
    // margin of one keeps a loop's counting noise from churning it), so the candidate goes again
    assertFalse(m.access(4));
    assertEquals(List.of(4L, 4L), m.evicted);
    // a third time: three against key 3's one, and key 4 is admitted
    assertFalse(m.access(4));
    assertEquals(List.of(4L, 4L, 3L), m.evicted);
    assertEquals(Set.of(1L, 2L, 4L), m.resident);
  }

  @Test
  void aHotVictimGoesRoundInsteadOfOut() {
    Model m = new Model(3);
    for (int i = 0; i < 5; i++) {
      m.access(1); // key 1: 5 accesses
    }
    m.access(2);
    m.access(3);
    for (long k = 10; k < 20; k++) {
      m.access(k); // one-time keys: each ties with or loses to the victim it meets
    }
    assertTrue(m.resident.contains(1L), "the hot key stays: " + m.resident);
    assertTrue(m.resident.containsAll(Set.of(2L, 3L)), "keys seen once are not displaced by keys seen once");
  }

  @Test
  void theSameTraceGivesTheSameEvictionsEveryRun() {
    List<Long> first = replayZipf();
    List<Long> second = replayZipf();
    assertTrue(first.size() > 1000, "the trace evicts: " + first.size());
    assertEquals(first, second);
  }

  private static List<Long> replayZipf() {
    EvictionPolicy policy = new EvictionPolicy(500, true);
    Set<Long> resident = new HashSet<>();
    List<Long> evicted = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(7);
    EvictionPolicy.Victim v = new EvictionPolicy.Victim();
    for (int i = 0; i < 200_000; i++) {
      long key = (long) Math.floor(Math.pow(10_000, random.nextDouble())); // skewed over 1..10,000
      if (resident.contains(key)) {
        policy.recordAccess(hash(key));
        continue;
      }
      resident.add(key);
      policy.recordInsert(hash(key), key, resident.size() > 500);
      while (resident.size() > 500 && policy.nextVictim(v)) {
        if (resident.remove((Long) v.key())) {
          evicted.add((Long) v.key());
        }
      }
    }
    return evicted;
  }

  /** Accesses a model of 1,000 entries sees, and the window's share after each. */
  private static List<Double> windowShares(long[] trace) {
    Model m = new Model(1000);
    List<Double> shares = new ArrayList<>();
    for (long key : trace) {
      m.access(key);
      shares.add(m.policy.windowShare());
    }
    return shares;
  }

  /**
   * 100,000 accesses skewed over 10,000 keys (the window's best share is its least), then 100,000
   * in which every key is new and asked for again 30 misses later: with a window of 1% (10 keys)
   * the second access misses, since a key seen twice does not beat a victim seen once; with a
   * window of 5% or more it hits.
   */
  private static long[] skewedThenRecent() {
    SplittableRandom random = new SplittableRandom(11);
    long[] trace = new long[200_000];
    for (int i = 0; i < 100_000; i++) {
      trace[i] = (long) Math.floor(Math.pow(10_000, random.nextDouble()));
    }
    long next = 1_000_000;
    for (int i = 100_000; i < trace.length; i += 2) {
      trace[i] = next;
      trace[i + 1] = next - 30;
      next++;
    }
    return trace;
  }

  @Test
  void theWindowGrowsWhenRecencyPaysAndStaysWithinItsRange() {
    long[] trace = skewedThenRecent();
    Model m = new Model(1000);
    double skewed = 0;
    double recent = 0;
    long hitsBeforeRecent = 0;
    for (int i = 0; i < trace.length; i++) {
      if (i == 100_000) {
        hitsBeforeRecent = m.hits;
      }
      m.access(trace[i]);
      double s = m.policy.windowShare();
      assertTrue(s >= 0.01 && s <= 0.20, "the window's share stays within 1% and 20%: " + s);
      if (i < 100_000) {
        skewed = Math.max(skewed, s);
      } else {
        recent = Math.max(recent, s);
      }
    }
    assertTrue(skewed < 0.05, "a skewed trace keeps the window small: " + skewed);
    assertTrue(recent >= 0.05, "keys asked for again soon after their first access grow it: " + recent);
    // with the window fixed at 1% none of the 50,000 second accesses would hit; the climber grows
    // it past their distance, lets it shrink while nothing changes, and grows it again when the
    // hits fall (a sawtooth between 1% and 11%)
    long recentHits = m.hits - hitsBeforeRecent;
    assertTrue(recentHits > 25_000, "most second accesses hit: " + recentHits);
  }

  @Test
  void theWindowAdaptsTheSameWayOnEveryRunAndNotDuringALoop() {
    long[] trace = skewedThenRecent();
    assertEquals(windowShares(trace), windowShares(trace));
    long[] loop = new long[200_000];
    for (int i = 0; i < loop.length; i++) {
      loop[i] = i % 1011;
    }
    for (double s : windowShares(loop)) {
      assertEquals(0.01, s, 1e-9, "a loop's hit ratio never rises with the window");
    }
  }

  @Test
  void removedKeysAreSweptFromTheQueuesAndRepeatsKeptOnce() {
    EvictionPolicy policy = new EvictionPolicy(1024, true);
    Set<Long> resident = new HashSet<>();
    for (long k = 0; k < 1000; k++) {
      policy.recordInsert(hash(k), k, false);
      resident.add(k);
    }
    for (long k = 0; k < 900; k++) {
      resident.remove(k);
      policy.recordRemoval();
    }
    policy.recordInsert(hash(950), 950L, false); // a repeat of a resident key
    assertEquals(1001, policy.queued());
    policy.sweepIfNeeded(v -> resident.contains((Long) v.key()));
    assertEquals(100, policy.queued());
    Set<Object> left = new HashSet<>();
    EvictionPolicy.Victim v = new EvictionPolicy.Victim();
    while (policy.nextVictim(v)) {
      assertTrue(left.add(v.key()), "queued once: " + v.key());
    }
    assertEquals(new HashSet<Object>(resident), left);
  }

  @Test
  void aSweepWaitsUntilTheRemovedOutnumberHalfTheQueue() {
    EvictionPolicy policy = new EvictionPolicy(1024, true);
    for (long k = 0; k < 1000; k++) {
      policy.recordInsert(hash(k), k, false);
    }
    for (int i = 0; i < 100; i++) {
      policy.recordRemoval();
    }
    policy.sweepIfNeeded(v -> false);
    assertEquals(1000, policy.queued(), "100 removals of 1000 queued keys do not pay for a sweep");
  }
}
