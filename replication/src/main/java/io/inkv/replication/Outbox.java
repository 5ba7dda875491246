package io.inkv.replication;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/*
 * The outbox of a FIRE_AND_FORGET replica: a bounded FIFO queue of events that one thread hands to
 * the producer. A write in that mode must return at once, and KafkaProducer.send does not always:
 * with no metadata for the topic (the broker gone, or restarting) it waits up to max.block.ms (60 s
 * by default), and so would the writer, holding its key's lock. So a write only appends its event
 * here. A key's events are appended under its lock, so they still reach the topic in the order
 * they were applied locally; whole-store events take the same path, so they keep their place among
 * key events. A write that finds the outbox full (CAPACITY events waiting: Kafka unreachable for
 * long, or slower than the writers) is not published: the caller reports it as a publish failure
 * at once, like any other.
 */
final class Outbox implements Runnable {
  static final int CAPACITY = 65_536;

  /** Reports an event that was not handed to the producer, or that the producer refused. */
  interface FailureHandler {
    void failed(byte[] key, long sequence, Exception error);
  }

  /** An event on its way: its record, its key (null for a whole-store event), its sequence and its callback. */
  record Outgoing(ProducerRecord<byte[], byte[]> record, byte[] key, long sequence, Callback callback) {}

  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final FailureHandler onFailure;
  private final ArrayBlockingQueue<Outgoing> queue =
      new ArrayBlockingQueue<>(CAPACITY);
  private final Object drained = new Object();
  private final Thread thread;
  private long inFlight; // guarded by drained: appended and not yet handed to the producer
  private boolean closed; // guarded by drained

  Outbox(String storeName, String topic, KafkaProducer<byte[], byte[]> producer, FailureHandler onFailure) {
    this.topic = topic;
    this.producer = producer;
    this.onFailure = onFailure;
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
    handed();
    return false;
  }

  private void handed() {
    synchronized (drained) {
      if (--inFlight == 0) {
        drained.notifyAll();
      }
    }
  }

  @Override
  public void run() {
    while (true) {
      Outgoing o;
      try {
        o = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (o.record == null) {
        return; // the end marker appended by close
      }
      try {
        producer.send(o.record, o.callback);
      } catch (RuntimeException e) {
        onFailure.failed(o.key, o.sequence, e);
      } finally {
        handed();
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
   * unreachable) are reported as publish failures. Then stops the thread.
   */
  void close() {
    synchronized (drained) {
      closed = true;
    }
    if (!awaitDrained(Duration.ofSeconds(30))) {
      Outgoing o;
      while ((o = queue.poll()) != null) {
        onFailure.failed(o.key, o.sequence, new ReplicationException.PublishException("not published to " + topic
            + ": the replica closed while Kafka was unreachable", null));
        handed();
      }
    }
    queue.offer(new Outgoing(null, null, 0, null));
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
