package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS: HTTPS with HTTP/1.1 and h2, plain text refused when TLS is required, both served when optional. */
class TlsTest {
  @TempDir static Path dir;
  static Path keystore;
  static Path password;
  static SSLContext trusting;

  @BeforeAll
  static void makeKeystore() throws Exception {
    keystore = dir.resolve("server.p12");
    password = dir.resolve("password");
    Files.writeString(password, "changeit-123\n");
    TestKeystores.selfSigned(keystore, "changeit-123");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit-123".toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);
  }

  private static HttpResponse<String> get(HttpClient c, String uri) throws Exception {
    return c.send(HttpRequest.newBuilder(java.net.URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void whenTlsIsRequiredHttpsIsServedAndPlainTextIsRefused() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data1"), "--tls-keystore", keystore.toString(),
        "--tls-keystore-password-file", password.toString())) {
      int port = s.server.port();
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_2).build();
      HttpResponse<String> r = get(https, "https://127.0.0.1:" + port + "/health");
      assertEquals(200, r.statusCode());
      assertEquals(HttpClient.Version.HTTP_2, r.version());
      HttpClient https1 = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_1_1).build();
      assertEquals(200, get(https1, "https://127.0.0.1:" + port + "/ready").statusCode());
      HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      assertThrows(IOException.class, () -> get(plain, "http://127.0.0.1:" + port + "/health"));
    }
  }

  @Test
  void whenTlsIsOptionalBothAreServedOnOnePort() throws Exception {
    try (TestServer s = new TestServer(dir.resolve("data2"), "--tls-keystore", keystore.toString(),
        "--tls-keystore-password-file", password.toString(), "--tls-mode", "optional")) {
      int port = s.server.port();
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();
      assertEquals(200, get(https, "https://127.0.0.1:" + port + "/health").statusCode());
      HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      assertEquals(200, get(plain, "http://127.0.0.1:" + port + "/health").statusCode());
    }
  }
}
