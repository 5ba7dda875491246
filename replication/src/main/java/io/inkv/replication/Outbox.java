package io.inkv.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/*
 * The outbox of a replica: a bounded FIFO queue of events that one thread hands to the producer,
 * in both write modes. A write only appends its event here, under its key's lock, and so:
 *
 *   - It never blocks in KafkaProducer.send, which does not always return at once: with no
 *     metadata for the topic (the broker gone, or restarting; and for the first record of a topic)
 *     it waits up to max.block.ms (60 s by default), and while the producer's buffer is full too.
 *     A FIRE_AND_FORGET write must return at once; a WAIT_FOR_ACK write waits for its
 *     acknowledgement anyway, but must not do it holding its key's lock, nor on a thread that may
 *     not block (the server's selector threads, through ReplicatedStore.putAsync).
 *   - A key's events reach the producer in the order they were applied locally (appended under
 *     the key's lock, FIFO); whole-store events take the same path, so they keep their place among
 *     key events. Every event of a replica takes this one path, whatever its mode or caller.
 *   - Group commit: the thread drains every event waiting (up to BATCH) and hands them to the
 *     producer in a row, so the writers that arrived during one linger window share one produce
 *     request per partition, and no writer pays a producer lock round or a sender wake-up of its
 *     own. The extra hand-off costs one wake-up of this thread per burst of writes, not per write.
 *
 * A write that finds the outbox full (CAPACITY events waiting: Kafka unreachable for long, or
 * slower than the writers) is not published: the caller reports it as a publish failure at once,
 * like any other. The producer's failures, and events dropped at close, are reported through each
 * event's own callback, so a waiting writer always hears of its event's fate.
 */
final class Outbox implements Runnable {
  static final int CAPACITY = 65_536;
  private static final int BATCH = 1024;

  /** An event on its way: its record and the callback that reports its acknowledgement or failure. */
  record Outgoing(ProducerRecord<byte[], byte[]> record, Callback callback) {}

  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final ArrayBlockingQueue<Outgoing> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final Object drained = new Object();
  private final Thread thread;
  private long inFlight; // guarded by drained: appended and not yet handed to the producer
  private boolean closed; // guarded by drained

  Outbox(String storeName, String topic, KafkaProducer<byte[], byte[]> producer) {
    this.topic = topic;
    this.producer = producer;
    thread = new Thread(this, "inkv-publisher-" + storeName);
    thread.setDaemon(true);
    thread.start();
  }

  /** Appends; false if the outbox is full or closed. */
  boolean offer(Outgoing o) {
    synchronized (drained) {
      if (closed) {
        return false;
      }
      inFlight++;
    }
    if (queue.offer(o)) {
      return true;
    }
    handed(1);
    return false;
  }

  private void handed(int n) {
    synchronized (drained) {
      inFlight -= n;
      if (inFlight == 0) {
        drained.notifyAll();
      }
    }
  }

  @Override
  public void run() {
    List<Outgoing> batch = new ArrayList<>(BATCH);
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, BATCH - 1);
      boolean end = false;
      for (Outgoing o : batch) {
        if (o.record == null) {
          end = true; // the end marker appended by close
          continue;
        }
        try {
          producer.send(o.record, o.callback);
        } catch (RuntimeException e) {
          o.callback.onCompletion(null, e);
        }
      }
      int n = batch.size() - (end ? 1 : 0);
      batch.clear();
      handed(n);
      if (end) {
        return;
      }
    }
  }

  /** Waits until every appended event was handed to the producer, or for {@code timeout} (null: no limit). */
  boolean awaitDrained(Duration timeout) {
    long start = System.nanoTime();
    synchronized (drained) {
      while (inFlight > 0) {
        long left = timeout == null ? 0 : timeout.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (timeout != null && left <= 0) {
          return false;
        }
        try {
          drained.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Refuses further events and hands over the ones waiting; those still waiting after 30 s (Kafka
   * unreachable) are reported as publish failures through their callbacks. Then stops the thread.
   */
  void close() {
    synchronized (drained) {
      closed = true;
    }
    if (!awaitDrained(Duration.ofSeconds(30))) {
      Outgoing o;
      while ((o = queue.poll()) != null) {
        o.callback.onCompletion(null, new ReplicationException.PublishException("not published to " + topic
            + ": the replica closed while Kafka was unreachable", null));
        handed(1);
      }
    }
    queue.offer(new Outgoing(null, null));
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
