package io.inkv.server;

import io.inkv.replication.ReplicationException;
import io.inkv.store.Store;
import io.inkv.store.StoreStats;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import io.inkv.store.document.Field;
import io.inkv.store.document.FieldType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Every route of the HTTP API, on Jetty's core Handler API (no servlets: one less layer on the hot
 * path). Jetty parses HTTP/1.1 and HTTP/2; this class sees decoded requests.
 *
 * Order of work for a request: count it against the concurrency limit (probes excepted), route it
 * by method and path, check its store name and key against their rules, authenticate it, and only
 * then read its body (asynchronously, with the body limit enforced as bytes arrive, so a huge or
 * slow body holds no thread and is cut off at the limit). Store calls run on the Jetty thread that
 * completes the body: they are memory-speed, except a write under Durability.EVERY_WRITE, which
 * waits for a group-committed msync.
 *
 * The concurrency limit is an AtomicInteger: incremented on arrival, decremented when the response
 * completes. Past the limit a request is answered at once with 503 and Retry-After: 1, never
 * queued: a queue in front of a memory-speed store only adds latency, and a client that backs off
 * for a second is what an overloaded server needs.
 *
 * Answers sent before the body is read (an early refusal: 401, 403, 405, 400 or 413 found from the
 * headers, or 413 found as the body streams in). Such an answer is known before the body matters,
 * and the body is not wanted, but the client is still sending it; how the exchange ends decides
 * whether the client sees the answer at all:
 *
 *   - HTTP/1.1: Jetty writes the answer and closes the connection (the rest of the body would be
 *     read as the next request), and the answer says Connection: close (closeIfBodyUnread).
 *   - HTTP/2: Jetty 12.1 writes the answer (HEADERS and DATA with END_STREAM), then resets the
 *     stream, as RFC 9113 section 8.1 allows, but with CANCEL: it wraps the "content not
 *     consumed" condition in another exception, and HttpStreamOverHTTP2 sends NO_ERROR only for
 *     the bare one. A client still sending its body takes CANCEL as a failed request, whether the
 *     answer arrived first or not: the JDK's client on 17 times out, on 25 it reports "RST_STREAM
 *     received Stream cancelled", and curl says "stream 1 was not closed cleanly: CANCEL", some of
 *     the time for a 7-byte body as for a 10 MB one.
 *
 * So the server reads the body it refused, within bounds:
 *
 *   1. Drain first (Exchange.drainFirst), both protocols: a body declared at most DRAIN_BYTES
 *      (64 KiB: any form, JSON document or cache value a refusal meets in practice, and about what
 *      an HTTP/2 client sends before it needs a window update anyway) is read and discarded before
 *      the answer is sent; the exchange then ends normally, and an HTTP/1.1 connection stays open.
 *      A body of unknown length is drained as far as it has arrived, without waiting.
 *   2. Drain after (Exchange.drainAfterAnswer), HTTP/2: a larger body is answered at once, and the
 *      rest of it is read and discarded after the answer, before the exchange completes, up to
 *      16 x --max-body-bytes or 16 MiB, whichever is more. The client finishes sending, reads the
 *      answer, and the stream ends without a reset; discarding costs bandwidth and a little CPU,
 *      no memory, and the request no longer counts against --concurrency while it drains.
 *      (HTTP/1.1 needs no such step: Jetty closes the connection after the answer, and clients
 *      read the answer before the close.)
 *   3. Reset with NO_ERROR (AnsweredEarlyStream), HTTP/2: past that bound, the stream is reset with
 *      NO_ERROR instead of CANCEL - the RFC's signal that the response is complete and the client
 *      should stop sending, which clients must honour without discarding the response. The JDK's
 *      client on 25 and curl do; the JDK's client on 17 waits for its timeout instead, which is
 *      why step 2 exists. The wrapper only unwraps Jetty's own condition: a write that failed
 *      still resets with CANCEL. The DATA already on its way then arrives for a closed stream,
 *      which the connection's rate control must not count (Http2RateControl).
 *
 * Not with Expect: 100-continue: reading would ask the client for the body it has not sent.
 *
 * EarlyAnswersTest sends 50 rounds of refused requests with bodies from 7 bytes to 10 times the
 * limit over h2c and h2 with TLS with the JDK's client, and each must get its status and body;
 * it also checks that a body past the drain bound gets its answer and a NO_ERROR reset, one at a
 * time and 12 at once on one connection, which goes on serving.
 */
final class ApiHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
  private static final String TEXT = "text/plain;charset=utf-8";
  private static final String JSON = "application/json";
  private static final String BINARY = "application/octet-stream";
  private static final byte[] ROOT_TEXT = ("inkv data-plane server\n"
      + "  POST /store/{key}    store the request body under key\n"
      + "  GET  /get/{key}      read it back\n"
      + "  documents under /stores/{name}/docs/{key}; see docs/server.md\n").getBytes(StandardCharsets.UTF_8);
  private static final byte[] EMPTY = new byte[0];
  /*
   * The header fields of the common answers, built and encoded once: a field put by name and string
   * value is a new HttpField per answer, encoded again by the generator, which was about a twentieth
   * of the server's CPU per replicated write (benchmarks/README.md, Acknowledged writes).
   */
  private static final HttpField TEXT_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, TEXT);
  private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, JSON);
  private static final HttpField BINARY_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, BINARY);
  private static final HttpField NO_CONTENT_LENGTH = new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, "0");
  /** An unread body of at most this many bytes is read and discarded before an early answer. */
  static final int DRAIN_BYTES = 64 * 1024;
  /** At least this much of a refused HTTP/2 body is read and discarded after the answer. */
  static final long DRAIN_AFTER_ANSWER_MIN_BYTES = 16L << 20;

  private final ServerOptions options;
  private final ServerStores stores;
  private final Writes writes;
  private final ApiKeys keys;
  private final Metrics metrics;
  private final DocumentJson json;
  private final ReplicaImages images;
  private final BooleanSupplier ready;
  /** How much of a refused HTTP/2 body is read and discarded after the answer (top of the class). */
  private final long drainAfterAnswerBytes;

  ApiHandler(ServerOptions options, ServerStores stores, Writes writes, ApiKeys keys, Metrics metrics,
      DocumentJson json, ReplicaImages images, BooleanSupplier ready) {
    this.options = options;
    this.stores = stores;
    this.writes = writes;
    this.keys = keys;
    this.metrics = metrics;
    this.json = json;
    this.images = images;
    this.ready = ready;
    this.drainAfterAnswerBytes = Math.max(DRAIN_AFTER_ANSWER_MIN_BYTES, 16L * options.maxBodyBytes);
  }

  /** An answer to send: thrown anywhere in a route, turned into a response by {@link #handle}. */
  static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** One request's bookkeeping: its route, when it came, and the callback that ends it. */
  private final class Exchange implements Callback {
    final Request request;
    final Response response;
    final Callback callback;
    final long startNanos = System.nanoTime();
    Route route = Route.UNMATCHED;
    boolean counted;
    int status = 200;
    boolean bodyRead;
    /** Whether drainFirst ran (it drains at most once, before the answer). */
    boolean drainTried;
    /** Dispatched on the thread that parsed the request, which must not block (see handle). */
    boolean inPlace;

    Exchange(Request request, Response response, Callback callback) {
      this.request = request;
      this.response = response;
      this.callback = callback;
    }

    /** The answer is written: the request is done, though on HTTP/2 its body may still be drained. */
    @Override
    public void succeeded() {
      finish();
      if (!drainAfterAnswer()) {
        callback.succeeded();
      }
    }

    @Override
    public void failed(Throwable x) {
      finish();
      callback.failed(x);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }

    private void finish() {
      if (counted) {
        metrics.inFlight.decrementAndGet();
      }
      metrics.record(route, status, System.nanoTime() - startNanos);
    }

    /**
     * An answer sent without reading the request body (an error found first: a bad name or key, no
     * key, a body over the limit; or a route that takes no body, such as a GET sent with one) leaves
     * the body on an HTTP/1.1 connection, which Jetty then closes once the answer is written, unless
     * the rest has already arrived. Saying so in the answer tells the client not to send its next
     * request on that connection (it would fail with no answer at all).
     */
    void closeIfBodyUnread() {
      boolean hasBody = request.getLength() > 0
          || (request.getLength() < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
      if (!bodyRead && hasBody && !response.isCommitted()
          && request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
    }

    private boolean http2() {
      return request.getConnectionMetaData().getHttpVersion().getVersion() >= 20;
    }

    /**
     * Reads and discards the unread request body before an answer, if it is small enough (see the
     * comment at the top of the class), then runs {@code answer}: now, or when the body's last
     * bytes arrive. Returns false, and does nothing, when there is nothing to drain (or it was
     * tried already): the caller answers at once.
     */
    boolean drainFirst(Runnable answer) {
      if (bodyRead || drainTried) {
        return false;
      }
      drainTried = true;
      long declared = request.getLength();
      boolean mayHaveBody = declared > 0 || (declared < 0
          && (http2() || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)));
      if (!mayHaveBody || declared > DRAIN_BYTES || request.getHeaders().contains(HttpHeader.EXPECT)) {
        return false;
      }
      new Drain(DRAIN_BYTES, declared > 0, answer, this::failed).run();
      return true;
    }

    /**
     * After an answer on HTTP/2 with the body still coming, reads and discards the rest (up to
     * drainAfterAnswerBytes) before the exchange completes, so the client finishes sending and
     * the stream ends without a reset (see the comment at the top of the class). Returns false
     * when there is nothing to drain: the caller completes the exchange at once.
     */
    private boolean drainAfterAnswer() {
      if (bodyRead || !http2() || request.getLength() == 0 || request.getHeaders().contains(HttpHeader.EXPECT)) {
        return false;
      }
      new Drain(drainAfterAnswerBytes, true, callback::succeeded, t -> callback.succeeded()).run();
      return true;
    }

    /**
     * Reads and discards the request body until its end, or {@code limit} bytes, or (unless
     * {@code waitForAll}) the bytes that have arrived; then runs {@code then}. A reset stream or
     * connection runs {@code gone} instead.
     */
    private final class Drain implements Runnable {
      private final long limit;
      private final boolean waitForAll;
      private final Runnable then;
      private final java.util.function.Consumer<Throwable> gone;
      private long seen;

      Drain(long limit, boolean waitForAll, Runnable then, java.util.function.Consumer<Throwable> gone) {
        this.limit = limit;
        this.waitForAll = waitForAll;
        this.then = then;
        this.gone = gone;
      }

      @Override
      public void run() {
        try {
          while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
              if (waitForAll) {
                request.demand(this);
                return;
              }
              break;
            }
            if (Content.Chunk.isFailure(chunk)) {
              Throwable t = chunk.getFailure();
              boolean fatal = chunk.isLast();
              chunk.release();
              if (fatal) { // the client reset the stream or the connection
                gone.accept(t);
                return;
              }
              break; // a transient failure (an idle timeout): go on all the same
            }
            seen += chunk.remaining();
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
              bodyRead = true;
              break;
            }
            if (seen > limit) {
              break;
            }
          }
        } catch (RuntimeException e) {
          gone.accept(e);
          return;
        }
        then.run();
      }
    }

    void send(int code, String contentType, byte[] body) {
      if (drainFirst(() -> send(code, contentType, body))) {
        return;
      }
      closeIfBodyUnread();
      status = code;
      response.setStatus(code);
      var headers = response.getHeaders();
      headers.put(contentTypeField(contentType));
      if (body.length == 0) {
        headers.put(NO_CONTENT_LENGTH);
      } else {
        headers.put(new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, body.length));
      }
      response.write(true, body.length == 0 ? null : ByteBuffer.wrap(body), this);
    }

    private HttpField contentTypeField(String contentType) {
      return switch (contentType) {
        case TEXT -> TEXT_TYPE;
        case JSON -> JSON_TYPE;
        case BINARY -> BINARY_TYPE;
        default -> new HttpField(HttpHeader.CONTENT_TYPE, contentType);
      };
    }

    void text(int code, String message) {
      send(code, TEXT, (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void json(int code, byte[] body) {
      send(code, JSON, body);
    }

    void noContent() {
      if (drainFirst(this::noContent)) {
        return;
      }
      closeIfBodyUnread();
      status = 204;
      response.setStatus(204);
      response.write(true, null, this);
    }
  }

  /*
   * Threads. The handler says it never blocks, so Jetty calls it on the thread that parsed the
   * request (a selector thread) with no hand-off to a pool thread: on 2 cores that hand-off (a
   * futex wake and a context switch per request) was most of a GET's cost, and removing it cut the
   * p50 of the cache workload from ~0.3-1 ms to ~0.07 ms at 40-50K requests/s (benchmarks/README.md,
   * Server). What runs in place: GET /, /health, /ready and /get/{key}, which only read memory, and
   * POST /store/{key} when the store does not sync every write and is already open: its body is
   * read without waiting (a 12-byte body comes with the headers) and, in local mode, the put is
   * tried with Writes.tryPut, which never waits; in replicated mode it is started with
   * Writes.putAsync, which never waits either, and answered from Kafka's acknowledgement on the
   * producer's thread (KafkaWrites); a body still on the wire sends the rest of that request
   * to the pool (a replica image pauses no write). Everything else may block and runs on
   * the pool (handle() hands it over): other writes, replicated document writes (Kafka's acknowledgement),
   * --durability every-write (fsync), a store's first open, and every request when API keys are on
   * (a token's first check is ~100 ms of PBKDF2, and a wrong token is never remembered).
   */
  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_2) {
      request.addHttpStreamWrapper(AnsweredEarlyStream::new);
    }
    Exchange x = new Exchange(request, response, callback);
    if (runsInPlace(request)) {
      x.inPlace = true;
      run(x, () -> route(x));
    } else {
      onPool(x, () -> route(x));
    }
    return true;
  }

  /**
   * An HTTP/2 stream that, when its answer went out before the request body was read, is reset
   * with NO_ERROR rather than CANCEL (see the comment at the top of the class). Jetty completes
   * such a stream with its "content not consumed" condition wrapped in another exception;
   * HttpStreamOverHTTP2 sends NO_ERROR only for the condition itself, so this passes it on bare.
   * Any other failure (the answer could not be written) is passed on as it is, and resets with
   * CANCEL.
   */
  private static final class AnsweredEarlyStream extends HttpStream.Wrapper {
    AnsweredEarlyStream(HttpStream wrapped) {
      super(wrapped);
    }

    @Override
    public void failed(Throwable x) {
      super.failed(onlyContentNotConsumed(x) ? HttpStream.CONTENT_NOT_CONSUMED : x);
    }

    private static boolean onlyContentNotConsumed(Throwable x) {
      for (Throwable t = x; t != null; t = t.getCause()) {
        if (t == HttpStream.CONTENT_NOT_CONSUMED) {
          return true;
        }
        if (t.getSuppressed().length > 0) {
          return false;
        }
      }
      return false;
    }
  }

  /** Whether the request is one of the routes that never wait (see above). */
  private boolean runsInPlace(Request request) {
    if (keys != null) {
      return false;
    }
    String path = request.getHttpURI().getPath();
    if (HttpMethod.POST.is(request.getMethod())) {
      return path != null && path.startsWith("/store/") && path.length() > 7
          && (writes.putsWithoutWaiting() || writes.putsAsynchronously()) && stores.find(options.cacheStore) != null;
    }
    if (!HttpMethod.GET.is(request.getMethod())) {
      return false;
    }
    return path == null || path.equals("/") || path.equals("/health") || path.equals("/ready")
        || (path.startsWith("/get/") && path.length() > 5);
  }

  /**
   * Runs {@code work}, the whole request or its rest, on the pool: from handle(), or from a route
   * that found, in place, that it must wait after all.
   */
  private void onPool(Exchange x, Runnable work) {
    try {
      x.request.getContext().execute(() -> run(x, work));
    } catch (RuntimeException rejected) { // the pool refused the task: stopping, or out of threads
      x.text(503, "the server is busy or shutting down");
    }
  }

  /** Runs {@code work} for request {@code x}, answering what it throws with its status. */
  private void run(Exchange x, Runnable work) {
    try {
      work.run();
    } catch (HttpError e) {
      error(x, e);
    } catch (RuntimeException e) {
      failure(x, e);
    }
  }

  private void error(Exchange x, HttpError e) {
    if (e.status == 405) {
      x.response.getHeaders().put(HttpHeader.ALLOW, e.getMessage());
      x.text(405, "method not allowed; this route takes " + e.getMessage());
    } else if (e.status == 401) {
      x.response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"inkv\"");
      x.text(401, "unauthorized");
    } else if (e.status == 503 && e.getMessage().startsWith("concurrency")) {
      x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      x.text(503, e.getMessage());
    } else {
      x.text(e.status, e.getMessage());
    }
  }

  /** What a stage failed with: its cause, without the CompletionException around it. */
  private static Throwable unwrap(Throwable error) {
    return error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /** Maps what the store and the JSON layer throw to statuses; never shows a file path or stack. */
  private void failure(Exchange x, Throwable t) {
    if (x.response.isCommitted()) {
      x.failed(t);
      return;
    }
    if (t instanceof HttpError e) {
      error(x, e);
    } else if (t instanceof DocumentJson.BadJsonException) {
      x.text(400, t.getMessage());
    } else if (t instanceof DocumentJson.FieldTooLargeException) {
      x.text(413, t.getMessage());
    } else if (t instanceof DocumentStore.SchemaException) {
      x.text(409, t.getMessage());
    } else if (t instanceof ServerStores.KindConflictException) {
      x.text(409, t.getMessage());
    } else if (t instanceof ServerStores.TooManyStoresException) {
      x.text(507, t.getMessage());
    } else if (t instanceof ReplicationException.PublishException) {
      // replicated mode: applied here, but Kafka did not acknowledge it (docs/server.md, Replicated mode)
      LOG.warn("{} {}: not acknowledged by Kafka: {}", x.request.getMethod(), x.route.label, t.getMessage());
      x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      x.text(503, "Kafka did not acknowledge the write; it may or may not reach other replicas; writing it again is safe");
    } else if (t instanceof Store.ClosedException) {
      x.text(503, "the server is shutting down");
    } else if (t instanceof Store.StorageException) {
      LOG.error("{} {}: storage failure", x.request.getMethod(), x.route.label, t);
      x.text(507, "the store cannot write: the disk is full or read-only");
    } else if (t instanceof IllegalArgumentException) {
      // the store's and the document layer's messages name the limit or the unknown field
      x.text(400, t.getMessage());
    } else {
      LOG.error("{} {}: internal error", x.request.getMethod(), x.route.label, t);
      x.text(500, "internal error");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Routing

  private void route(Exchange x) {
    Request req = x.request;
    String method = req.getMethod();
    String path = req.getHttpURI().getPath(); // raw: still percent-encoded
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    int cut = path.indexOf('/', 1);
    String first = path.startsWith("/") ? decodeSegment(cut < 0 ? path.substring(1) : path.substring(1, cut)) : "";
    if (first.equals("store") || first.equals("get")) {
      cacheRoute(x, method, first.equals("store"), cut < 0 ? "" : path.substring(cut + 1));
      return;
    }
    String[] seg = segments(path);
    if (seg.length == 0) {
      x.route = Route.ROOT;
      enter(x);
      requireMethod(method, HttpMethod.GET);
      x.send(200, TEXT, ROOT_TEXT);
      return;
    }
    switch (seg[0]) {
      case "health" -> {
        x.route = Route.HEALTH;
        exact(seg, 1);
        requireMethod(method, HttpMethod.GET);
        x.text(200, "ok");
      }
      case "ready" -> {
        x.route = Route.READY;
        exact(seg, 1);
        requireMethod(method, HttpMethod.GET);
        if (ready.getAsBoolean()) {
          x.text(200, "ready");
        } else {
          x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
          x.text(503, "not ready: " + (writes.caughtUp() ? "opening stores" : "catching up with Kafka"));
        }
      }
      case "metrics" -> {
        x.route = Route.METRICS;
        exact(seg, 1);
        requireMethod(method, HttpMethod.GET);
        if (keys != null && keys.authenticate(req.getHeaders().get(HttpHeader.AUTHORIZATION)) == null) {
          throw new HttpError(401, "unauthorized");
        }
        Map<String, StoreStats> st = new TreeMap<>();
        for (ServedStore s : stores.all()) {
          try {
            st.put(s.name, s.store.stats());
          } catch (Store.ClosedException e) {
            // shutting down
          }
        }
        x.send(200, "text/plain; version=0.0.4; charset=utf-8",
            (metrics.scrape(st, ready.getAsBoolean(), writes::lag)
                + metrics.replicationCounters(writes.replicationCounters())).getBytes(StandardCharsets.UTF_8));
      }
      case "stores" -> {
        enter(x);
        storeRoutes(x, seg, method);
      }
      default -> {
        enter(x);
        throw new HttpError(404, "no route " + path + "; see GET / and docs/server.md");
      }
    }
  }

  /**
   * POST /store/{key} and GET /get/{key}. The key is the raw rest of the path after the route's
   * first segment, percent-decoded once (see cacheKey): every byte after "/store/" belongs to it,
   * slashes, empty and dot segments included.
   */
  private void cacheRoute(Exchange x, String method, boolean store, String rawKey) {
    if (store) {
      x.route = Route.CACHE_STORE;
      enter(x);
      requireMethod(method, HttpMethod.POST);
      byte[] key = cacheKey(x, rawKey);
      authorize(x, options.cacheStore, ApiKeys.Scope.WRITE);
      refuseDeclaredBodyOverLimit(x);
      ServedStore s = stores.getOrCreate(options.cacheStore, ServedStore.Kind.BYTES);
      readBody(x, body -> {
        if (writes.putsAsynchronously()) {
          // replicated: answered from Kafka's acknowledgement, no thread waits for it (KafkaWrites)
          writes.putAsync(s, key, body).whenComplete((ok, error) -> {
            if (error == null) {
              x.send(200, TEXT, EMPTY);
            } else {
              failure(x, unwrap(error));
            }
          });
          return;
        }
        if (x.inPlace && !writes.tryPut(s, key, body)) {
          onPool(x, () -> {
            writes.put(s, key, body);
            x.send(200, TEXT, EMPTY);
          });
          return;
        }
        if (!x.inPlace) {
          writes.put(s, key, body);
        }
        x.send(200, TEXT, EMPTY);
      });
    } else {
      x.route = Route.CACHE_GET;
      enter(x);
      requireMethod(method, HttpMethod.GET);
      byte[] key = cacheKey(x, rawKey);
      authorize(x, options.cacheStore, ApiKeys.Scope.READ);
      ServedStore s = stores.find(options.cacheStore);
      byte[] value = s == null ? null : bytesStore(s).get(key);
      if (value == null) {
        x.text(404, "not found");
      } else {
        x.send(200, BINARY, value);
      }
    }
  }

  /** Counts the request against the concurrency limit. */
  private void enter(Exchange x) {
    int now = metrics.inFlight.incrementAndGet();
    x.counted = true;
    if (now > options.concurrency) {
      metrics.rejectedConcurrency.increment();
      throw new HttpError(503, "concurrency limit reached: " + options.concurrency
          + " requests in flight (--concurrency); retry after 1 s");
    }
  }

  private void storeRoutes(Exchange x, String[] seg, String method) {
    if (seg.length < 3) {
      x.route = Route.UNMATCHED;
      throw new HttpError(404, "no route; store routes are /stores/{name}/docs/{key}, /stores/{name}/multiget, "
          + "/stores/{name}/config and /stores/{name}/images");
    }
    String name = seg[1];
    switch (seg[2]) {
      case "config" -> {
        admitStoreRoute(x, Route.STORE_CONFIG, seg, method, HttpMethod.GET, ApiKeys.Scope.READ);
        x.json(200, json.writeValue(config(existing(name))));
      }
      case "multiget" -> {
        admitStoreRoute(x, Route.MULTI_GET, seg, method, HttpMethod.POST, ApiKeys.Scope.READ);
        ServedStore s = documentsOf(existing(name));
        readBody(x, body -> multiGet(x, s, body));
      }
      case "docs" -> docRoutes(x, seg, method, name);
      case "images" -> imageRoutes(x, seg, method, name);
      default -> throw new HttpError(404, "no route /stores/" + name + "/" + seg[2]);
    }
  }

  /**
   * Admits a request to /stores/{name}/{what}, a route of three segments exactly, in the order
   * every route checks: the path (404), the method (405), the store's name (400), the key (401/403).
   */
  private void admitStoreRoute(Exchange x, Route route, String[] seg, String method, HttpMethod allowed, ApiKeys.Scope scope) {
    x.route = route;
    exact(seg, 3);
    requireMethod(method, allowed);
    String name = seg[1];
    checkName(name);
    authorize(x, name, scope);
  }

  /** Admits a read of {@code name}, which must exist and be a document store: the name, then the key, then the store. */
  private ServedStore admitRead(Exchange x, Route route, String name) {
    x.route = route;
    checkName(name);
    authorize(x, name, ApiKeys.Scope.READ);
    return documentsOf(existing(name));
  }

  /**
   * Admits a write of a request body to the document store {@code name}: the name, the key, a
   * declared body over the limit (413), in that order; creates the store on its first write.
   */
  private ServedStore admitBodyWrite(Exchange x, Route route, String name) {
    x.route = route;
    checkName(name);
    authorize(x, name, ApiKeys.Scope.WRITE);
    refuseDeclaredBodyOverLimit(x);
    return stores.getOrCreate(name, ServedStore.Kind.DOCUMENTS);
  }

  private void docRoutes(Exchange x, String[] seg, String method, String name) {
    if (seg.length == 4) {
      byte[] key = key(seg[3]);
      switch (method) {
        case "POST", "PUT" -> {
          ServedStore s = admitBodyWrite(x, Route.DOC_UPSERT, name);
          readBody(x, body -> {
            Document doc = json.upsert(body, s.documents.schema());
            writes.upsert(s, key, doc);
            x.noContent();
          });
        }
        case "GET" -> {
          ServedStore s = admitRead(x, Route.DOC_GET, name);
          List<String> fields = fieldsParam(x.request);
          Document doc = s.documents.get(key);
          if (doc == null) {
            throw new HttpError(404, "no document");
          }
          if (fields != null) {
            Map<String, Object> all = doc.asMap();
            Document.Builder b = Document.builder();
            for (String f : fields) {
              s.documents.field(f); // 400 for a field the schema does not have
              if (all.get(f) != null) {
                b.putObject(f, all.get(f));
              }
            }
            doc = b.build();
          }
          x.json(200, json.write(doc));
        }
        case "DELETE" -> {
          checkName(name);
          List<String> fields = fieldsParam(x.request);
          x.route = fields == null ? Route.DOC_DELETE : Route.DOC_DELETE_FIELDS;
          authorize(x, name, ApiKeys.Scope.WRITE);
          ServedStore s = documentsOf(existing(name));
          boolean existed = fields == null ? writes.delete(s, key)
              : writes.deleteFields(s, key, fields.toArray(String[]::new));
          if (existed) {
            x.noContent();
          } else {
            x.text(404, "no document");
          }
        }
        default -> throw new HttpError(405, "GET, POST, PUT, DELETE");
      }
      return;
    }
    if (seg.length == 6 && seg[4].equals("fields")) {
      byte[] key = key(seg[3]);
      String field = seg[5];
      switch (method) {
        case "GET" -> {
          ServedStore s = admitRead(x, Route.FIELD_GET, name);
          Field f = s.documents.field(field);
          Optional<Object> v = s.documents.getField(new String(key, StandardCharsets.UTF_8), field);
          if (v.isEmpty()) {
            throw new HttpError(404, "no such field in the document, or no document");
          }
          Object o = v.get();
          if (f.type() == FieldType.BYTES) {
            x.send(200, BINARY, (byte[]) o);
          } else {
            x.send(200, TEXT, String.valueOf(o).getBytes(StandardCharsets.UTF_8));
          }
        }
        case "PUT" -> {
          ServedStore s = admitBodyWrite(x, Route.FIELD_PUT, name);
          readBody(x, body -> {
            json.checkSize(field, body.length);
            Optional<Field> f = s.documents.schema().field(field);
            if (f.isPresent() && f.get().type() != FieldType.BYTES) {
              throw new DocumentStore.SchemaException("field '" + field + "' is " + f.get().type()
                  + "; a raw body can only be written to a BYTES field");
            }
            writes.upsert(s, key, Document.builder().put(field, body).build());
            x.noContent();
          });
        }
        default -> throw new HttpError(405, "GET, PUT");
      }
      return;
    }
    x.route = Route.UNMATCHED;
    throw new HttpError(404, "no route; document routes are /stores/{name}/docs/{key} and "
        + "/stores/{name}/docs/{key}/fields/{field}");
  }

  private void imageRoutes(Exchange x, String[] seg, String method, String name) {
    checkName(name);
    if (seg.length == 3) {
      switch (method) {
        case "GET" -> {
          x.route = Route.IMAGE_LIST;
          authorize(x, name, ApiKeys.Scope.READ);
          existing(name);
          List<Object> list = new ArrayList<>();
          for (ReplicaImages.ImageInfo i : images.list(name)) {
            list.add(i.toJson());
          }
          x.json(200, json.writeValue(Map.of("images", list)));
        }
        case "POST" -> {
          x.route = Route.IMAGE_CREATE;
          authorize(x, name, ApiKeys.Scope.WRITE);
          ReplicaImages.ImageInfo info = images.build(existing(name));
          x.response.getHeaders().put(HttpHeader.LOCATION, "/stores/" + name + "/images/" + info.id());
          x.json(201, json.writeValue(info.toJson()));
        }
        default -> {
          x.route = Route.IMAGE_LIST;
          throw new HttpError(405, "GET, POST");
        }
      }
      return;
    }
    if (seg.length == 4) {
      x.route = Route.IMAGE_GET;
      requireMethod(method, HttpMethod.GET);
      authorize(x, name, ApiKeys.Scope.READ);
      existing(name);
      String id = seg[3];
      if (!id.equals("latest") && !id.matches("[0-9]{13}-[0-9]{4}")) {
        throw new HttpError(400, "an image id is 'latest' or like 1700000000000-0001: '" + id + "'");
      }
      ReplicaImages.ImageInfo info = images.find(name, id);
      if (info == null) {
        throw new HttpError(404, id.equals("latest") ? "no index image of store '" + name
            + "' yet; POST /stores/" + name + "/images builds one" : "no such image");
      }
      java.nio.file.Path zip = images.zipOf(info);
      byte[] digest = HexFormat.of().parseHex(info.sha256());
      x.closeIfBodyUnread();
      x.status = 200;
      x.response.setStatus(200);
      var h = x.response.getHeaders();
      h.put(HttpHeader.CONTENT_TYPE, "application/zip");
      h.put(HttpHeader.CONTENT_LENGTH, info.bytes());
      h.put("X-Inkv-Image-Id", info.id());
      h.put("X-Inkv-Image-Sha256", info.sha256());
      h.put("Digest", "sha-256=" + Base64.getEncoder().encodeToString(digest));
      h.put("Content-Disposition", "attachment; filename=\"" + name + "-" + info.id() + ".zip\"");
      Content.copy(Content.Source.from(zip), x.response, x);
      return;
    }
    x.route = Route.UNMATCHED;
    throw new HttpError(404, "no route; image routes are /stores/{name}/images and /stores/{name}/images/{id|latest}");
  }

  // ---------------------------------------------------------------------------------------------
  // Route bodies

  private void multiGet(Exchange x, ServedStore s, byte[] body) {
    DocumentJson.MultiGet q = json.multiGet(body);
    for (String k : q.keys()) {
      key(k);
    }
    List<Map<String, Object>> rows = new ArrayList<>(q.keys().size());
    if (q.fields() == null) {
      for (String k : q.keys()) {
        Document d = s.documents.get(k.getBytes(StandardCharsets.UTF_8));
        rows.add(d == null ? null : d.asMap());
      }
    } else {
      Object[][] cells = s.documents.getAll(q.keys(), q.fields());
      for (Object[] row : cells) {
        Map<String, Object> m = null;
        for (int i = 0; i < row.length; i++) {
          if (row[i] != null) {
            if (m == null) {
              m = new LinkedHashMap<>();
            }
            m.put(q.fields().get(i), row[i]);
          }
        }
        // a document with none of the fields asked for is shown as {}, an absent one as null
        if (m == null) {
          m = s.documents.read(q.keys().get(rows.size()).getBytes(StandardCharsets.UTF_8), new io.inkv.store.document.DocumentView())
              ? Map.of() : null;
        }
        rows.add(m);
      }
    }
    x.json(200, json.writeRows(rows));
  }

  private Map<String, Object> config(ServedStore s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name);
    m.put("kind", s.kind.label);
    if (s.documents != null) {
      List<Object> fields = new ArrayList<>();
      for (Field f : s.documents.schema().fields()) {
        Map<String, Object> fm = new LinkedHashMap<>();
        fm.put("name", f.name());
        fm.put("type", f.type().name());
        fm.put("id", f.id());
        fields.add(fm);
      }
      Map<String, Object> schema = new LinkedHashMap<>();
      schema.put("fields", fields);
      schema.put("partitionKey", s.documents.schema().partitionKey().orElse(null));
      m.put("schema", schema);
    }
    m.put("replicated", options.replicated());
    if (options.replicated()) {
      // the bootstrap servers, never the --kafka-property values (they may hold credentials)
      m.put("bootstrapServers", options.kafkaBootstrap);
    }
    m.put("topic", options.topicOf(s.name));
    m.put("partitions", options.kafkaPartitions);
    m.put("replicationFactor", (int) options.kafkaReplicationFactor);
    m.put("maxKeyBytes", options.maxKeyBytes);
    m.put("maxValueBytes", Math.min(options.maxBodyBytes, s.store.maxValueLength()));
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  private void authorize(Exchange x, String store, ApiKeys.Scope scope) {
    if (keys == null || (scope == ApiKeys.Scope.READ && options.anonymousReads)) {
      return;
    }
    switch (keys.authorize(x.request.getHeaders().get(HttpHeader.AUTHORIZATION), store, scope)) {
      case ALLOWED -> { }
      case UNAUTHORIZED -> throw new HttpError(401, "unauthorized");
      case FORBIDDEN -> throw new HttpError(403, "forbidden");
      default -> throw new IllegalStateException();
    }
  }

  private static void checkName(String name) {
    if (!StoreNames.isValid(name)) {
      throw new HttpError(400, "a store name matches " + StoreNames.PATTERN);
    }
  }

  private ServedStore existing(String name) {
    ServedStore s = stores.find(name);
    if (s == null) {
      throw new HttpError(404, "no store '" + name + "'");
    }
    return s;
  }

  private static ServedStore documentsOf(ServedStore s) {
    if (s.documents == null) {
      throw new ServerStores.KindConflictException(s.name, s.kind, ServedStore.Kind.DOCUMENTS);
    }
    return s;
  }

  private static Store bytesStore(ServedStore s) {
    if (s.kind != ServedStore.Kind.BYTES) {
      throw new ServerStores.KindConflictException(s.name, s.kind, ServedStore.Kind.BYTES);
    }
    return s.store;
  }

  private byte[] key(String key) {
    if (key.isEmpty()) {
      throw new HttpError(400, "the key is empty");
    }
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > options.maxKeyBytes) {
      throw new HttpError(400, "the key is " + bytes.length + " bytes; the limit is " + options.maxKeyBytes
          + " (--max-key-bytes)");
    }
    return bytes;
  }

  /**
   * The key of a cache route. A query string is refused rather than dropped: POST /store/k?x=1
   * would otherwise store under "k", and a client that forgot to encode a '?' would never know.
   */
  private byte[] cacheKey(Exchange x, String rawKey) {
    String query = x.request.getHttpURI().getQuery();
    if (query != null) {
      throw new HttpError(400, "a key route takes no query string, and a key ends at '?': ?"
          + printable(query, 100) + "; percent-encode a '?' in a key as %3F");
    }
    byte[] bytes = decodeKey(rawKey);
    if (bytes.length > options.maxKeyBytes) {
      throw new HttpError(400, "the key is " + bytes.length + " bytes; the limit is " + options.maxKeyBytes
          + " (--max-key-bytes)");
    }
    return bytes;
  }

  /**
   * Percent-decodes a raw key once: %XX is the byte XX, every other character stands for itself,
   * so %252F is the three bytes "%2F" and %2F a '/'. The result must be UTF-8 (strictly: no
   * overlong forms, no surrogates) without NUL, and not empty.
   *
   * @throws HttpError 400 naming what is wrong
   */
  static byte[] decodeKey(String raw) {
    if (raw.isEmpty()) {
      throw new HttpError(400, "the key is empty");
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw new HttpError(400, "the key has a '%' not followed by two hex digits at character " + i
              + "; a '%' in a key is sent as %25");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else { // a raw non-ASCII character (Jetty refuses them in a request line; kept for safety)
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] key = out.toByteArray();
    for (byte b : key) {
      if (b == 0) {
        throw new HttpError(400, "a key cannot hold NUL (%00)");
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key));
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new HttpError(400, "the key is not UTF-8 once percent-decoded");
    }
    return key;
  }

  /** At most {@code max} characters of {@code s}, printable ASCII only (others shown as '?'). */
  private static String printable(String s, int max) {
    StringBuilder sb = new StringBuilder();
    s.chars().limit(max).forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return s.length() > max ? sb.append("...").toString() : sb.toString();
  }

  private static void requireMethod(String method, HttpMethod allowed) {
    if (!allowed.is(method)) {
      throw new HttpError(405, allowed.asString());
    }
  }

  private static void exact(String[] seg, int n) {
    if (seg.length != n) {
      throw new HttpError(404, "no such route");
    }
  }

  private static List<String> fieldsParam(Request req) {
    if (req.getHttpURI().getQuery() == null) {
      return null;
    }
    Fields q = Request.extractQueryParameters(req);
    Fields.Field f = q.get("fields");
    if (f == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String v : f.getValues()) {
      for (String n : v.split(",")) {
        if (!n.isEmpty()) {
          out.add(n);
        }
      }
    }
    if (out.isEmpty()) {
      throw new HttpError(400, "fields= names no field");
    }
    return out;
  }

  /**
   * Splits an encoded path into decoded segments, so an encoded '/' stays inside its segment. An
   * empty segment ("//") names nothing on these routes and is refused (a trailing '/' is allowed).
   */
  private static String[] segments(String path) {
    String[] raw = path.split("/");
    List<String> out = new ArrayList<>(raw.length);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i].isEmpty()) {
        if (i > 0) {
          throw new HttpError(400, "the path has an empty segment (//); only the key of /store/{key} and "
              + "/get/{key} may hold one");
        }
        continue;
      }
      out.add(decodeSegment(raw[i]));
    }
    return out.toArray(String[]::new);
  }

  private static String decodeSegment(String raw) {
    try {
      return raw.indexOf('%') < 0 ? raw : URIUtil.decodePath(raw);
    } catch (RuntimeException e) {
      throw new HttpError(400, "the path is not valid percent-encoded UTF-8");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bodies

  private interface BodyUser {
    void accept(byte[] body);
  }

  /**
   * Reads the whole request body, at most --max-body-bytes, then runs {@code then} (on this thread
   * if the body has arrived already, else on the Jetty thread that delivers its last bytes).
   */
  private void readBody(Exchange x, BodyUser then) {
    refuseDeclaredBodyOverLimit(x);
    long declared = x.request.getLength();
    new BodyReader(x, then, options.maxBodyBytes, declared >= 0 ? (int) declared : 256).run();
  }

  /** 413 for a body declared over --max-body-bytes: a write route asks before it creates a store. */
  private void refuseDeclaredBodyOverLimit(Exchange x) {
    long declared = x.request.getLength();
    if (declared > options.maxBodyBytes) {
      throw new HttpError(413, "the request body is " + declared + " bytes; the limit is " + options.maxBodyBytes
          + " (--max-body-bytes)");
    }
  }

  private final class BodyReader implements Runnable {
    private final Exchange x;
    private final BodyUser then;
    private final int max;
    private byte[] buf;
    private int size;

    BodyReader(Exchange x, BodyUser then, int max, int expected) {
      this.x = x;
      this.then = then;
      this.max = max;
      this.buf = new byte[expected];
    }

    @Override
    public void run() {
      try {
        while (true) {
          Content.Chunk chunk = x.request.read();
          if (chunk == null) {
            x.request.demand(this);
            return;
          }
          if (Content.Chunk.isFailure(chunk)) {
            Throwable t = chunk.getFailure();
            chunk.release();
            LOG.warn("{} {}: reading the request body failed: {}", x.request.getMethod(), x.route.label, t.toString());
            x.status = 500; // Jetty answers a failed callback with 500 (or closes the connection)
            x.failed(t);
            return;
          }
          ByteBuffer b = chunk.getByteBuffer();
          int n = b.remaining();
          if ((long) size + n > max) {
            chunk.release();
            throw new HttpError(413, "the request body is over the limit of " + max + " bytes (--max-body-bytes)");
          }
          if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.min(max, Math.max(buf.length * 2, size + n)));
          }
          b.get(buf, size, n);
          size += n;
          boolean last = chunk.isLast();
          x.bodyRead = last;
          chunk.release();
          if (last) {
            then.accept(size == buf.length ? buf : Arrays.copyOf(buf, size));
            return;
          }
        }
      } catch (HttpError e) {
        error(x, e);
      } catch (RuntimeException e) {
        failure(x, e);
      }
    }
  }
}
