package io.inkv.server;

import io.inkv.store.Durability;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The server: stores, the write path, index images, API keys and Jetty, started and stopped in
 * order.
 *
 * One connector serves every protocol on one port. Plain text: HTTP/1.1, and HTTP/2 without TLS
 * (h2c) both ways a client can ask for it, the Upgrade header and prior knowledge (Jetty's HTTP/1.1
 * connection hands a connection that opens with the HTTP/2 preface to the h2c factory). TLS:
 * HTTP/1.1 and h2 chosen by ALPN; in the optional TLS mode a detector looks at the first bytes of
 * a connection and sends plain text to the plain-text protocols, and in the required mode (the
 * default) a plain-text connection fails its TLS handshake and is closed, so nothing is ever
 * served in clear.
 *
 * Stopping (SIGTERM, SIGINT, or close()): Jetty's graceful stop first. The GracefulHandler answers
 * requests that arrive from then on with 503 and waits, up to --shutdown-timeout, for those
 * already in flight to complete; then the connectors close. Only after that do the image builder
 * stop, the write path close, and every store flush and close, so no write the server has
 * acknowledged, or is still completing, is lost.
 */
final class InkvServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InkvServer.class);

  private final ServerOptions options;
  private final ServerStores stores;
  private final Writes writes;
  private final Metrics metrics = new Metrics();
  private final ReplicaImages images;
  private final Server jetty;
  private final ServerConnector connector;
  private final AtomicBoolean storesOpen = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ApiKeys keys;
  private final DataDirectoryLock lock;

  private InkvServer(ServerOptions options, Writes writes, DataDirectoryLock lock) {
    this.options = options;
    this.lock = lock;
    this.writes = writes;
    this.stores = new ServerStores(options.dataDir, options.maxStores, options.durability);
    if (writes instanceof ServerStores.Replicator r) {
      stores.replicator(r);
    }
    this.keys = options.authFile == null ? null : ApiKeys.load(options.authFile);
    DocumentJson json = new DocumentJson(options.maxFieldBytes);
    this.images = new ReplicaImages(stores, writes, metrics, json, options.imagesKeep);

    // Threads: request work is memory-speed and bodies are read asynchronously, so threads are not
    // held by slow clients; a pool of at most 2 x cores + 32 keeps context switches low.
    QueuedThreadPool pool = new QueuedThreadPool(Math.max(16, 2 * Runtime.getRuntime().availableProcessors() + 32), 4);
    pool.setName("inkv-http");
    this.jetty = new Server(pool);
    // One selector per core (Jetty's default is half the cores): the routes of the cache workload
    // run in place on the selector thread that parsed them (ApiHandler), so the selectors are
    // where the request work is done, and with one selector on 2 cores one core did it all.
    int selectors = Integer.getInteger("inkv.server.selectors", Runtime.getRuntime().availableProcessors());
    this.connector = new ServerConnector(jetty, 1, Math.max(1, selectors), connectionFactories());
    connector.setHost(options.host);
    connector.setPort(options.port);
    connector.setAcceptQueueSize(Math.min(4096, options.concurrency * 2));
    connector.setIdleTimeout(60_000);
    // while stopping, a connection silent for 1 s is closed: idle keep-alive connections go at
    // once and the stop waits for them, so this bounds the stop; a request in flight whose client
    // pauses its body longer than that fails (Jetty's default, kept on purpose)
    connector.setShutdownIdleTimeout(Math.min(1_000, options.shutdownTimeout.toMillis()));
    jetty.addConnector(connector);

    ApiHandler api = new ApiHandler(options, stores, writes, keys, metrics, json, images, this::isReady);
    GracefulHandler graceful = new GracefulHandler(api);
    jetty.setHandler(graceful);
    jetty.setErrorHandler(new PlainErrorHandler()); // Jetty's own answers (400, 414, 431...) in plain text too
    jetty.setStopTimeout(options.shutdownTimeout.toMillis());
    jetty.setStopAtShutdown(false); // our own hook stops Jetty, then closes the stores
  }

  /*
   * Paths. Jetty's default URI compliance refuses, with 400 "Ambiguous URI", any path with an
   * encoded '/' (%2F), '.' segment (%2E%2E), '%' (%25), backslash or control character (%5C, %01),
   * or an empty segment (//): ambiguities that matter to a server mapping paths to files. inkv maps
   * no path to a file: the key of the cache routes is the raw rest of the path, percent-decoded
   * once by ApiHandler, and store names are checked against their rule after decoding and before
   * any file is touched. So these are allowed, and a client that percent-encodes its keys can store
   * any key. Jetty still refuses %00, malformed escapes and UTF-8, raw non-ASCII bytes, fragments,
   * and dot segments that climb above the root (/store/../..), which no key needs when '/' is sent
   * as %2F.
   */
  static HttpConfiguration httpConfiguration() {
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setSendXPoweredBy(false);
    config.setRequestHeaderSize(16 * 1024);
    config.setUriCompliance(UriCompliance.DEFAULT.with("inkv-keys",
        UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
        UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
        UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
    return config;
  }

  private ConnectionFactory[] connectionFactories() {
    HttpConfiguration config = httpConfiguration();
    HttpConnectionFactory http1 = new HttpConnectionFactory(config);
    HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(config);
    h2c.setMaxConcurrentStreams(Math.min(options.concurrency, 1024));
    h2c.setRateControlFactory(Http2RateControl.FACTORY);
    if (!options.tls()) {
      return new ConnectionFactory[] {http1, h2c};
    }
    HttpConfiguration tlsConfig = new HttpConfiguration(config);
    tlsConfig.addCustomizer(new SecureRequestCustomizer());
    HttpConnectionFactory https1 = new HttpConnectionFactory(tlsConfig);
    HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(tlsConfig);
    h2.setMaxConcurrentStreams(Math.min(options.concurrency, 1024));
    h2.setRateControlFactory(Http2RateControl.FACTORY);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
    alpn.setDefaultProtocol("http/1.1");
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStorePath(options.tlsKeystore.toAbsolutePath().toString());
    ssl.setKeyStoreType(options.tlsKeystoreType);
    String password = keystorePassword();
    checkKeystore(password);
    ssl.setKeyStorePassword(password);
    ssl.setCipherComparator(org.eclipse.jetty.http2.HTTP2Cipher.COMPARATOR);
    SslConnectionFactory tls = new SslConnectionFactory(ssl, alpn.getProtocol());
    if (options.tlsMode == ServerOptions.TlsMode.REQUIRED) {
      return new ConnectionFactory[] {tls, alpn, h2, https1};
    }
    // optional: a detector in front; what is not TLS goes to the protocol after it (HTTP/1.1, which
    // also upgrades to h2c). One factory per protocol name: the connector finds them by name.
    DetectorConnectionFactory detector = new DetectorConnectionFactory(tls);
    HTTP2CServerConnectionFactory h2cWithTls = new HTTP2CServerConnectionFactory(tlsConfig);
    h2cWithTls.setMaxConcurrentStreams(Math.min(options.concurrency, 1024));
    h2cWithTls.setRateControlFactory(Http2RateControl.FACTORY);
    return new ConnectionFactory[] {detector, https1, h2cWithTls, alpn, h2};
  }

  private String keystorePassword() {
    if (options.tlsKeystorePasswordFile != null) {
      try {
        return Files.readString(options.tlsKeystorePasswordFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new ServerException("--tls-keystore-password-file: cannot read: " + e.getMessage(), e);
      }
    }
    String env = System.getenv("INKV_TLS_KEYSTORE_PASSWORD");
    if (env == null) {
      throw new ServerException("--tls-keystore needs a password: --tls-keystore-password-file or INKV_TLS_KEYSTORE_PASSWORD");
    }
    return env;
  }

  /**
   * Loads the key store once before Jetty does, so a wrong file, type or password stops the start
   * with the flag's name (Jetty's own error names neither); the message never holds the password.
   */
  private void checkKeystore(String password) {
    String what = "--tls-keystore " + options.tlsKeystore + " (--tls-keystore-type " + options.tlsKeystoreType + "): ";
    try (var in = Files.newInputStream(options.tlsKeystore)) {
      KeyStore ks = KeyStore.getInstance(options.tlsKeystoreType);
      ks.load(in, password.toCharArray());
      boolean hasKey = false;
      for (var aliases = ks.aliases(); aliases.hasMoreElements();) {
        hasKey |= ks.isKeyEntry(aliases.nextElement());
      }
      if (!hasKey) {
        throw new ServerException(what + "holds no private key");
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      if (e instanceof ServerException se) {
        throw se;
      }
      // a wrong password shows as an IOException whose message says so, without the password
      throw new ServerException(what + "cannot load it with the password given (--tls-keystore-password-file or "
          + "INKV_TLS_KEYSTORE_PASSWORD): " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Locks the data directory, opens the stores, starts Jetty and the image builder; returns when
   * the port is open. A start that fails undoes what it did without logging a shutdown, and throws
   * a {@link ServerException} whose message is the one line to show (or, for a bug, anything else).
   */
  static InkvServer start(ServerOptions options) {
    DataDirectoryLock lock = DataDirectoryLock.acquire(options.dataDir);
    Writes writes = null;
    InkvServer server = null;
    try {
      if (options.replicated()) {
        writes = KafkaWrites.connect(options);
      } else {
        writes = new Writes.LocalWrites(options.durability == Durability.EVERY_WRITE);
      }
      server = new InkvServer(options, writes, lock);
      server.startAll();
      return server;
    } catch (RuntimeException | Error e) {
      abandon(server, writes, lock, e);
      throw e;
    } catch (Exception e) {
      abandon(server, writes, lock, e);
      throw new ServerException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** Undoes a start that failed, quietly: the caller reports the failure, once. */
  private static void abandon(InkvServer server, Writes writes, DataDirectoryLock lock, Throwable failure) {
    try {
      if (server != null) {
        server.stop(false);
      } else {
        if (writes != null) {
          writes.close();
        }
        lock.close();
      }
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private void startAll() throws Exception {
    images.cleanUp();
    stores.openExisting();
    storesOpen.set(true);
    try {
      jetty.start();
    } catch (IOException | RuntimeException e) {
      // a port in use, an address this host does not have, a name that does not resolve
      throw new ServerException("--host " + options.host + " --port " + options.port + ": cannot listen: "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    images.schedule(options.imageInterval.toMillis(), options.imageEveryWrites);
    String scheme = options.tls() ? "https" : "http";
    LOG.info("inkv server listening on {}://{}:{} ({}), data in {}", scheme, options.host, port(),
        options.tls() ? (options.tlsMode == ServerOptions.TlsMode.REQUIRED ? "TLS required: HTTP/1.1 and h2"
            : "TLS optional: HTTP/1.1, h2 and h2c") : "HTTP/1.1 and h2c", stores.dataDir());
    LOG.info("serving: GET /, POST /store/{key} and GET /get/{key} (store '{}'), /stores/{name}/docs/{key}, "
        + "/stores/{name}/multiget, /stores/{name}/config, /stores/{name}/images, /health, /ready, /metrics",
        options.cacheStore);
    LOG.info("limits: {} requests in flight, bodies {} bytes, keys {} bytes, fields {} bytes; {}; {}",
        options.concurrency, options.maxBodyBytes, options.maxKeyBytes, options.maxFieldBytes,
        keys == null ? "no authentication" : "API keys from " + options.authFile + " (" + keys.size() + " keys)",
        options.replicated() ? "replicated through Kafka at " + options.kafkaBootstrap : "local mode (no Kafka)");
    if (keys == null && !isLoopback(options.host)) {
      LOG.warn("listening on {} without --auth-file: anyone who reaches this port can write", options.host);
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  boolean isReady() {
    return storesOpen.get() && jetty.isStarted() && !closed.get() && writes.caughtUp();
  }

  int port() {
    return connector.getLocalPort();
  }

  URI uri() {
    return URI.create((options.tls() ? "https" : "http") + "://127.0.0.1:" + port());
  }

  ServerStores stores() {
    return stores;
  }

  /** The Jetty server, so that tests can add an in-process connector (the HTTP fuzz test). */
  Server jetty() {
    return jetty;
  }

  Writes imagesWrites() {
    return writes;
  }

  ReplicaImages images() {
    return images;
  }

  /** Stops gracefully: see the comment at the top of this class. Idempotent. */
  @Override
  public void close() {
    stop(true);
  }

  /** Stops, saying so in the log when {@code log} (not for a start that failed: it was never up). */
  private void stop(boolean log) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long t0 = System.nanoTime();
    if (log) {
      LOG.info("stopping: finishing requests in flight (up to {} s)", options.shutdownTimeout.toSeconds());
    }
    try {
      jetty.stop();
    } catch (Exception e) {
      LOG.warn("Jetty did not stop cleanly: {}", e.toString());
    }
    images.close();
    try {
      writes.close();
    } catch (RuntimeException e) {
      LOG.warn("closing the write path failed", e);
    }
    stores.close(log);
    lock.close();
    if (log) {
      LOG.info("stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }
  }
}
