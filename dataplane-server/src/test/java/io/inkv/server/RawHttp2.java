package io.inkv.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;
import org.eclipse.jetty.http2.generator.Generator;
import org.eclipse.jetty.http2.parser.Parser;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * One HTTP/2 connection (h2c, prior knowledge) driven frame by frame, for tests that assert on the
 * frames themselves: what the server sends is read by Jetty's frame parser on a thread of its own
 * and recorded per stream in arrival order; what the client sends is written by hand (DATA, within
 * the server's flow-control windows) or by Jetty's frame generator (HEADERS, for HPACK).
 *
 * <p>Why not a client library: a client keeps a stream state machine between the wire and the
 * test, and Jetty's low-level client can drop a stream's reset without telling its listener when
 * the reset crosses a DATA frame of that stream still queued for a window (the frame's failure
 * removes the stream first, and the reset then finds no stream to report to). A test of "the
 * answer, then a reset with NO_ERROR" must see the reset frame itself.
 */
final class RawHttp2 implements AutoCloseable {
  /** What the server sent on one stream. */
  static final class RawStream {
    final int id;
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    final CompletableFuture<String> body = new CompletableFuture<>();
    final CompletableFuture<Integer> reset = new CompletableFuture<>();
    /** Whether the reset came after the answer's last DATA frame (set before {@link #reset} completes). */
    volatile boolean resetAfterAnswer;
    /** The frames the server sent on this stream, in order: "HEADERS 413", "DATA 80 END", "RST_STREAM 0". */
    final List<String> frames = java.util.Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder text = new StringBuilder();
    private long window; // guarded by the connection's lock

    RawStream(int id, long window) {
      this.id = id;
      this.window = window;
    }
  }

  private static final int DEFAULT_WINDOW = 65_535;

  private final Socket socket;
  private final OutputStream out;
  private final URI base;
  private final Generator generator = new Generator(new ArrayByteBufferPool());
  private final Map<Integer, RawStream> streams = new ConcurrentHashMap<>();
  private final Thread reader;
  /** Guards the flow-control windows and the stream ids; waited on for a window update. */
  private final Object lock = new Object();
  private long sessionWindow = DEFAULT_WINDOW;
  private long initialStreamWindow = DEFAULT_WINDOW;
  private int maxFrameSize = 16_384;
  private int nextStreamId = 1;
  private volatile Throwable failure;
  /** The server's GOAWAY, if one came. */
  final CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();

  RawHttp2(int port) throws IOException {
    this.socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setTcpNoDelay(true);
    this.out = socket.getOutputStream();
    this.base = URI.create("http://127.0.0.1:" + port);
    synchronized (out) {
      out.write(org.eclipse.jetty.http2.frames.PrefaceFrame.PREFACE_BYTES);
      write(new SettingsFrame(Map.of(), false));
    }
    this.reader = new Thread(this::read, "raw-h2-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Sends the HEADERS of a POST of {@code length} bytes to {@code path}; the body follows with {@link #upload}. */
  RawStream post(String path, long length) throws IOException {
    MetaData.Request request = new MetaData.Request("POST", HttpURI.from(base + path), HttpVersion.HTTP_2,
        HttpFields.build().put(HttpHeader.CONTENT_LENGTH, length), length);
    return open(request, false);
  }

  /** Sends a GET of {@code path}, whole. */
  RawStream get(String path) throws IOException {
    return open(new MetaData.Request("GET", HttpURI.from(base + path), HttpVersion.HTTP_2, HttpFields.EMPTY), true);
  }

  private RawStream open(MetaData.Request request, boolean endStream) throws IOException {
    synchronized (out) { // stream ids must reach the server in increasing order
      RawStream s;
      synchronized (lock) {
        s = new RawStream(nextStreamId, initialStreamWindow);
        nextStreamId += 2;
        streams.put(s.id, s);
      }
      write(new HeadersFrame(s.id, request, null, endStream));
      return s;
    }
  }

  /**
   * Sends {@code length} bytes of {@code bytes} (repeated) as the body of {@code s}, as far as the
   * server's windows allow, until the whole body is sent or the server resets the stream; once
   * more than {@code pauseAfter} bytes are sent, sends no more and waits for the reset, keeping
   * the window the server granted (see {@link #dataAfterReset}). Waits at most {@code seconds}.
   * Returns the bytes sent.
   */
  long upload(RawStream s, byte[] bytes, long length, long pauseAfter, long seconds)
      throws IOException, InterruptedException {
    long sent = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (sent < length) {
      int n;
      synchronized (lock) {
        while (!s.reset.isDone() && failure == null && (s.window <= 0 || sessionWindow <= 0 || sent > pauseAfter)) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError((sent > pauseAfter ? "no reset" : "no window") + " for stream " + s.id + " after "
                + seconds + " s, " + sent + " of " + length + " bytes sent; the server sent " + s.frames);
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        if (s.reset.isDone() || failure != null) {
          return sent;
        }
        n = (int) Math.min(Math.min(maxFrameSize, bytes.length), Math.min(length - sent, Math.min(s.window, sessionWindow)));
        s.window -= n;
        sessionWindow -= n;
      }
      writeData(s.id, bytes, n, sent + n == length);
      sent += n;
    }
    return sent;
  }

  /**
   * Sends what is left of the stream's window as DATA on {@code s} after its reset, as a client
   * does whose frames were on their way when the reset came, so that they reach the server after
   * it closed the stream: within the stream's window and the connection's, which such DATA still
   * uses. Returns the bytes sent.
   */
  long dataAfterReset(RawStream s, byte[] bytes) throws IOException, InterruptedException {
    if (!s.reset.isDone()) {
      throw new IllegalStateException("stream " + s.id + " is not reset");
    }
    long length;
    synchronized (lock) {
      length = Math.max(0, s.window);
    }
    long sent = 0;
    while (sent < length) {
      int n;
      synchronized (lock) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (failure == null && sessionWindow <= 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError("no connection window after 30 s; " + sent + " bytes sent after the reset of stream " + s.id);
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        if (failure != null) {
          return sent;
        }
        n = (int) Math.min(Math.min(maxFrameSize, bytes.length), Math.min(length - sent, sessionWindow));
        s.window -= n;
        sessionWindow -= n;
      }
      writeData(s.id, bytes, n, false);
      sent += n;
    }
    return sent;
  }

  private void writeData(int id, byte[] bytes, int n, boolean last) throws IOException {
    byte[] header = {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, 0x0, (byte) (last ? 0x1 : 0x0),
        (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
    synchronized (out) {
      out.write(header);
      out.write(bytes, 0, n);
      out.flush();
    }
  }

  private void write(org.eclipse.jetty.http2.frames.Frame frame) throws IOException {
    RetainableByteBuffer.DynamicCapacity buffer = new RetainableByteBuffer.DynamicCapacity();
    try {
      generator.control(buffer, frame);
    } catch (org.eclipse.jetty.http2.hpack.HpackException e) {
      throw new IOException(e);
    }
    byte[] bytes = buffer.takeByteArray();
    synchronized (out) {
      out.write(bytes);
      out.flush();
    }
  }

  private void read() {
    Parser parser = new Parser(new ArrayByteBufferPool(), 64 * 1024);
    parser.init(new Parser.Listener() {
      @Override
      public void onSettings(SettingsFrame frame) {
        if (frame.isReply()) {
          return;
        }
        synchronized (lock) {
          Integer window = frame.getSettings().get(SettingsFrame.INITIAL_WINDOW_SIZE);
          if (window != null) {
            long delta = window - initialStreamWindow;
            initialStreamWindow = window;
            streams.values().forEach(s -> s.window += delta);
          }
          Integer frameSize = frame.getSettings().get(SettingsFrame.MAX_FRAME_SIZE);
          if (frameSize != null) {
            maxFrameSize = frameSize;
          }
          lock.notifyAll();
        }
        send(new SettingsFrame(Map.of(), true));
      }

      @Override
      public void onWindowUpdate(WindowUpdateFrame frame) {
        synchronized (lock) {
          if (frame.getStreamId() == 0) {
            sessionWindow += frame.getWindowDelta();
          } else {
            RawStream s = streams.get(frame.getStreamId());
            if (s != null) {
              s.window += frame.getWindowDelta();
            }
          }
          lock.notifyAll();
        }
      }

      @Override
      public void onHeaders(HeadersFrame frame) {
        RawStream s = streams.get(frame.getStreamId());
        if (s != null && frame.getMetaData() instanceof MetaData.Response response) {
          s.frames.add("HEADERS " + response.getStatus() + (frame.isEndStream() ? " END" : ""));
          s.status.complete(response.getStatus());
          if (frame.isEndStream()) {
            s.body.complete("");
          }
        }
      }

      @Override
      public void onData(DataFrame frame) {
        RawStream s = streams.get(frame.getStreamId());
        int n = frame.remaining();
        if (s != null) {
          s.frames.add("DATA " + n + (frame.isEndStream() ? " END" : ""));
          s.text.append(StandardCharsets.UTF_8.decode(frame.getByteBuffer()));
          if (frame.isEndStream()) {
            s.body.complete(s.text.toString());
          }
        }
        if (n > 0) { // give the connection's window back; the answers are small, the stream's is not needed
          send(new WindowUpdateFrame(0, n));
        }
      }

      @Override
      public void onReset(ResetFrame frame) {
        RawStream s = streams.get(frame.getStreamId());
        if (s != null) {
          s.frames.add("RST_STREAM " + frame.getError());
          s.resetAfterAnswer = s.body.isDone();
          s.reset.complete(frame.getError());
          synchronized (lock) {
            lock.notifyAll();
          }
        }
      }

      @Override
      public void onPing(PingFrame frame) {
        if (!frame.isReply()) {
          send(new PingFrame(frame.getPayload(), true));
        }
      }

      @Override
      public void onGoAway(GoAwayFrame frame) {
        goAway.complete(frame);
        fail(new AssertionError("the server sent " + frame));
      }

      @Override
      public void onConnectionFailure(int error, String reason) {
        fail(new AssertionError("a connection failure parsing the server's frames: " + error + " " + reason));
      }

      @Override
      public void onStreamFailure(int streamId, int error, String reason) {
        fail(new AssertionError("a stream failure parsing the server's frames: stream " + streamId + ", " + error + " " + reason));
      }
    });
    byte[] bytes = new byte[64 * 1024];
    try (InputStream in = socket.getInputStream()) {
      int n;
      while ((n = in.read(bytes)) > 0) {
        parser.parse(ByteBuffer.wrap(bytes, 0, n));
      }
      fail(new AssertionError("the server closed the connection"));
    } catch (IOException | RuntimeException e) {
      fail(e);
    }
  }

  private void send(org.eclipse.jetty.http2.frames.Frame frame) {
    try {
      write(frame);
    } catch (IOException e) {
      fail(e);
    }
  }

  /** Fails whatever still waits for the server, with the reason. */
  private void fail(Throwable t) {
    if (failure == null) {
      failure = t;
    }
    for (RawStream s : streams.values()) {
      AssertionError e = new AssertionError("stream " + s.id + " after " + s.frames + ": " + t, t);
      s.status.completeExceptionally(e);
      s.body.completeExceptionally(e);
      s.reset.completeExceptionally(e);
    }
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  @Override
  public void close() throws IOException {
    failure = new IOException("closed by the test");
    socket.close();
  }
}
