package io.inkv.benchmarks.server;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/*
 * An open-loop load generator for the small cache server's workload: 10,000 keys, 80% GET
 * /get/{key}, 20% POST /store/{key} with 12-byte bodies, at a fixed request rate.
 *
 * Open loop, corrected for coordinated omission: request i is due at start + i / rate, and its
 * latency is measured from when it was due, not from when it was sent. A server that stalls for
 * 100 ms therefore shows every request that should have gone out in those 100 ms as late (as a
 * real population of independent clients would see it), instead of the generator quietly waiting
 * and sending fewer requests (Gil Tene, "How NOT to measure latency"; wrk2 does the same). Latencies
 * go into an HdrHistogram Recorder (3 significant digits), which completion threads write without
 * locks.
 *
 * Targets: "http" (a lean HTTP/1.1 client, see HttpTarget: a pool of keep-alive connections, one
 * request per connection at a time, as browsers and most HTTP clients do) against the inkv server;
 * "redis" (Lettuce, asynchronous, GET/SET on one connection, pipelined as Lettuce does by default)
 * against Redis. Both run the same schedule and the same key and operation sequence (seeded).
 *
 * Usage: HttpLoad <http|redis> <url|host:port> rates=10000,20000 duration=10 warmup=3
 *        [connections=64] [keys=10000] [reads=0.8] [preload=true]
 * Prints one line per rate: offered and achieved rate, mean, p50, p95, p99, p99.9, max (ms), errors.
 */
public final class HttpLoad {
  private HttpLoad() {}

  /** Where a load goes: the inkv server over HTTP, or Redis. */
  public interface Target extends AutoCloseable {
    /** Sends one operation; calls done.run(ok) when it completes. */
    void send(boolean read, byte[] key, byte[] value, Done done);

    @Override
    void close();
  }

  /** Called once per operation when its answer arrived. */
  public interface Done {
    void completed(boolean ok);
  }

  /*
   * A lean HTTP/1.1 client, as wrk has: one selector thread, a fixed pool of keep-alive
   * connections, one request in flight per connection, requests written from preformatted bytes
   * and responses delimited by their Content-Length (the server always sends one). A general
   * client (Jetty's, the JDK's) spends several times the CPU per request, and on a 2-core machine
   * shared with the server that CPU is taken from the server under test. Requests due while every
   * connection is busy wait in a queue, and their wait counts in their latency.
   */
  public static final class HttpTarget implements Target {
    private final java.nio.channels.Selector selector;
    private final java.util.ArrayDeque<Conn> idle = new java.util.ArrayDeque<>();
    private final java.util.concurrent.ConcurrentLinkedQueue<Object[]> submitted = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.ArrayDeque<Object[]> waiting = new java.util.ArrayDeque<>();
    private final Thread loop;
    private final String host;
    private volatile boolean running = true;

    private final class Conn {
      final java.nio.channels.SocketChannel ch;
      final java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(64 * 1024);
      java.nio.ByteBuffer out;
      Done done;

      Conn(java.nio.channels.SocketChannel ch) {
        this.ch = ch;
      }
    }

    public HttpTarget(String base, int connections) throws Exception {
      java.net.URI uri = java.net.URI.create(base);
      host = uri.getHost() + ":" + uri.getPort();
      selector = java.nio.channels.Selector.open();
      for (int i = 0; i < connections; i++) {
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
            new java.net.InetSocketAddress(uri.getHost(), uri.getPort()));
        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        ch.configureBlocking(false);
        Conn c = new Conn(ch);
        ch.register(selector, java.nio.channels.SelectionKey.OP_READ, c);
        idle.add(c);
      }
      loop = new Thread(this::run, "http-load");
      loop.setDaemon(true);
      loop.start();
    }

    @Override
    public void send(boolean read, byte[] key, byte[] value, Done done) {
      String k = new String(key, StandardCharsets.US_ASCII);
      String head = read ? "GET /get/" + k + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
          : "POST /store/" + k + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + value.length + "\r\n\r\n";
      byte[] h = head.getBytes(StandardCharsets.US_ASCII);
      byte[] req = read ? h : java.util.Arrays.copyOf(h, h.length + value.length);
      if (!read) {
        System.arraycopy(value, 0, req, h.length, value.length);
      }
      submitted.add(new Object[] {req, done});
      selector.wakeup();
    }

    private void run() {
      try {
        while (running) {
          selector.select(1);
          for (Object[] r; (r = submitted.poll()) != null; ) {
            waiting.add(r);
          }
          while (!waiting.isEmpty() && !idle.isEmpty()) {
            Object[] r = waiting.poll();
            Conn c = idle.poll();
            c.out = java.nio.ByteBuffer.wrap((byte[]) r[0]);
            c.done = (Done) r[1];
            c.ch.write(c.out);
            if (c.out.hasRemaining()) {
              c.ch.keyFor(selector).interestOps(java.nio.channels.SelectionKey.OP_READ | java.nio.channels.SelectionKey.OP_WRITE);
            }
          }
          for (java.util.Iterator<java.nio.channels.SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
            java.nio.channels.SelectionKey k = it.next();
            it.remove();
            Conn c = (Conn) k.attachment();
            if (k.isWritable()) {
              c.ch.write(c.out);
              if (!c.out.hasRemaining()) {
                k.interestOps(java.nio.channels.SelectionKey.OP_READ);
              }
            }
            if (k.isReadable()) {
              if (c.ch.read(c.in) < 0) {
                throw new java.io.IOException("the server closed a connection");
              }
              int status = complete(c.in);
              if (status > 0) {
                Done d = c.done;
                c.done = null;
                idle.add(c);
                d.completed(status == 200 || status == 404);
              }
            }
          }
        }
      } catch (java.io.IOException e) {
        e.printStackTrace();
      }
    }

    /** The status of a complete response at the start of {@code in} (consumed), or 0. */
    private static int complete(java.nio.ByteBuffer in) {
      int end = -1;
      for (int i = 3; i < in.position(); i++) {
        if (in.get(i) == '\n' && in.get(i - 1) == '\r' && in.get(i - 2) == '\n' && in.get(i - 3) == '\r') {
          end = i + 1;
          break;
        }
      }
      if (end < 0) {
        return 0;
      }
      String head = new String(in.array(), 0, end, StandardCharsets.US_ASCII);
      int status = Integer.parseInt(head.substring(9, 12));
      int length = 0;
      int cl = head.toLowerCase(Locale.ROOT).indexOf("content-length:");
      if (cl >= 0) {
        length = Integer.parseInt(head.substring(cl + 15, head.indexOf('\r', cl)).trim());
      }
      if (in.position() < end + length) {
        return 0;
      }
      int rest = in.position() - end - length;
      System.arraycopy(in.array(), end + length, in.array(), 0, rest);
      in.position(rest);
      return status;
    }

    @Override
    public void close() {
      running = false;
      try {
        loop.join(5000);
        for (java.nio.channels.SelectionKey k : selector.keys()) {
          k.channel().close();
        }
        selector.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static final class RedisTarget implements Target {
    final RedisClient client;
    final StatefulRedisConnection<byte[], byte[]> connection;
    final RedisAsyncCommands<byte[], byte[]> async;

    RedisTarget(String hostPort) {
      client = RedisClient.create("redis://" + hostPort);
      connection = client.connect(ByteArrayCodec.INSTANCE);
      async = connection.async();
    }

    @Override
    public void send(boolean read, byte[] key, byte[] value, Done done) {
      RedisFuture<?> f = read ? async.get(key) : async.set(key, value);
      f.whenComplete((v, x) -> done.completed(x == null));
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: HttpLoad <http|redis> <url|host:port> rates=10000,20000 duration=10 warmup=3 "
          + "[connections=64] [keys=10000] [reads=0.8] [preload=true]");
      System.exit(2);
    }
    String kind = args[0];
    String where = args[1];
    List<Integer> rates = new ArrayList<>();
    int duration = 10;
    int warmup = 3;
    int connections = 64;
    int keys = 10_000;
    double reads = 0.8;
    boolean preload = true;
    for (int i = 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      switch (kv[0]) {
        case "rates" -> {
          for (String r : kv[1].split(",")) {
            rates.add(Integer.parseInt(r));
          }
        }
        case "duration" -> duration = Integer.parseInt(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "connections" -> connections = Integer.parseInt(kv[1]);
        case "keys" -> keys = Integer.parseInt(kv[1]);
        case "reads" -> reads = Double.parseDouble(kv[1]);
        case "preload" -> preload = Boolean.parseBoolean(kv[1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    byte[][] keyBytes = new byte[keys][];
    for (int i = 0; i < keys; i++) {
      keyBytes[i] = String.format("key%05d", i).getBytes(StandardCharsets.US_ASCII);
    }
    byte[] value = "hello world!".getBytes(StandardCharsets.US_ASCII); // 12 bytes
    try (Target target = kind.equals("redis") ? new RedisTarget(where) : new HttpTarget(where, connections)) {
      if (preload) {
        run(target, keyBytes, value, 0.0, 20_000, keys / 20_000.0, null);
      }
      System.out.printf(Locale.ROOT, "%-6s %9s %9s %8s %8s %8s %8s %8s %8s %7s%n", "target", "offered", "achieved",
          "mean", "p50", "p95", "p99", "p99.9", "max", "errors");
      for (int rate : rates) {
        run(target, keyBytes, value, reads, rate, warmup, null);
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long[] counts = run(target, keyBytes, value, reads, rate, duration, h);
        System.out.printf(Locale.ROOT, "%-6s %9d %9.0f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %7d%n", kind, rate,
            counts[0] / (counts[2] / 1e9), h.getMean() / 1e6, h.getValueAtPercentile(50) / 1e6,
            h.getValueAtPercentile(95) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
            h.getMaxValue() / 1e6, counts[1]);
      }
    }
  }

  /** Runs the schedule for {@code seconds}; returns {completed, errors, elapsed nanos}. */
  static long[] run(Target target, byte[][] keys, byte[] value, double reads, int rate, double seconds, Histogram into)
      throws InterruptedException {
    Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    SplittableRandom random = new SplittableRandom(42);
    long total = (long) (rate * seconds);
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime();
    boolean preload = reads == 0.0 && into == null;
    for (long i = 0; i < total; i++) {
      long due = start + i * interval;
      long now;
      while ((now = System.nanoTime()) < due) {
        if (due - now > 50_000) {
          LockSupport.parkNanos(due - now - 50_000);
        }
      }
      boolean read = random.nextDouble() < reads;
      byte[] key = preload ? keys[(int) i % keys.length] : keys[random.nextInt(keys.length)];
      target.send(read, key, value, ok -> {
        recorder.recordValue(Math.min(System.nanoTime() - due, TimeUnit.SECONDS.toNanos(60)));
        if (!ok) {
          errors.incrementAndGet();
        }
        completed.incrementAndGet();
      });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (completed.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    long elapsed = System.nanoTime() - start;
    if (into != null) {
      into.add(recorder.getIntervalHistogram());
    }
    return new long[] {completed.get(), errors.get() + (total - completed.get()), elapsed};
  }
}
