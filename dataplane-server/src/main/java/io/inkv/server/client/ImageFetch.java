package io.inkv.server.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Downloads the newest index image of a store from an inkv server, verifies it, and unpacks it
 * into an empty directory, so a new replica opens the store there and seeks to the offsets the
 * image reflects instead of replaying its topic from the start.
 *
 * <p>Verification: the SHA-256 of the whole download must equal the server's
 * {@code X-Inkv-Image-Sha256} header, and each unpacked file's size and SHA-256 must equal the
 * image's manifest. Nothing is left in the target directory unless every check passed.
 *
 * <p>Uses only the JDK (its {@link HttpClient}), so a replica needs no server classes to use it.
 */
public final class ImageFetch {
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern MANIFEST_FILE = Pattern.compile(
      "\\{\"name\":\"([^\"]+)\",\"bytes\":(\\d+),\"sha256\":\"([0-9a-f]{64})\"}");
  private static final Pattern MANIFEST_OFFSET = Pattern.compile("\"(\\d+)\":(\\d+)");

  private ImageFetch() {}

  /**
   * What was fetched.
   *
   * @param imageId the image's id on the server
   * @param offsets the topic offsets the image reflects: partition to the next offset to apply
   *     (empty for a server in local mode)
   * @param bytes the size of the download
   */
  public record Result(String imageId, Map<Integer, Long> offsets, long bytes) {}

  /** Thrown when the download fails, is refused, or does not verify. */
  public static final class FetchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FetchException(String message) {
      super(message);
    }

    public FetchException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Fetches the newest image of {@code store} from {@code server} into {@code target}, which must
   * be empty or absent.
   *
   * @param server the server's base address, such as {@code http://10.0.0.5:8080}
   * @param store the store's name
   * @param target the directory to unpack the store into
   * @param apiKey an API key with the read scope ({@code id.secret}), or null without authentication
   * @throws FetchException if the server refuses, the download breaks, or a checksum does not match
   */
  public static Result fetchLatest(URI server, String store, Path target, String apiKey) {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(target, "target");
    if (!store.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
      throw new IllegalArgumentException("not a store name: '" + store + "'");
    }
    try {
      if (Files.exists(target)) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target)) {
          if (ds.iterator().hasNext()) {
            throw new FetchException(target + " is not empty; an image unpacks only into an empty directory");
          }
        }
      }
      Files.createDirectories(target);
      Path download = Files.createTempFile(target.toAbsolutePath().getParent(), ".inkv-image-", ".zip");
      try {
        // HTTP/1.1: one large download per connection gains nothing from HTTP/2, and over plain
        // http the JDK client would first try an h2c upgrade; once, under a full write load on 2
        // cores, that path ended in "Frame type(10) length(16232774) exceeds MAX_FRAME_SIZE"
        // (ReplicaImagesTest), a framing error this download does not need to risk.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(server.resolve("/stores/" + store + "/images/latest")).GET();
        if (apiKey != null) {
          req.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<Path> resp = client.send(req.build(),
            HttpResponse.BodyHandlers.ofFile(download, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING));
        if (resp.statusCode() != 200) {
          String body = Files.readString(download);
          throw new FetchException("GET " + req.build().uri() + " answered " + resp.statusCode() + ": "
              + (body.length() > 200 ? body.substring(0, 200) : body).strip());
        }
        String expected = resp.headers().firstValue("X-Inkv-Image-Sha256")
            .orElseThrow(() -> new FetchException("the server sent no X-Inkv-Image-Sha256 header"));
        String id = resp.headers().firstValue("X-Inkv-Image-Id").orElse("?");
        String actual = sha256Of(download);
        if (!actual.equalsIgnoreCase(expected)) {
          throw new FetchException("image " + id + " of store '" + store + "': SHA-256 " + actual
              + " does not match the server's " + expected);
        }
        Map<Integer, Long> offsets = unpack(download, target);
        return new Result(id, offsets, Files.size(download));
      } finally {
        Files.deleteIfExists(download);
      }
    } catch (IOException e) {
      throw new FetchException("cannot fetch the image of store '" + store + "' from " + server + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FetchException("interrupted while fetching the image of store '" + store + "'", e);
    }
  }

  /** Unpacks and checks every file against the manifest; on any failure empties {@code target}. */
  static Map<Integer, Long> unpack(Path zip, Path target) throws IOException {
    Map<String, String[]> unpacked = new HashMap<>(); // name -> {bytes, sha256}
    String manifest = null;
    boolean ok = false;
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        String name = e.getName();
        if (name.equals("image.json")) {
          manifest = new String(in.readNBytes(1 << 20), java.nio.charset.StandardCharsets.UTF_8);
          continue;
        }
        if (!name.startsWith("store/") || !FILE_NAME.matcher(name.substring(6)).matches()
            || name.substring(6).equals(".") || name.substring(6).equals("..")) {
          throw new FetchException("the image holds an unexpected entry: '" + name + "'");
        }
        String file = name.substring(6);
        MessageDigest md = sha256();
        long size;
        try (OutputStream out = Files.newOutputStream(target.resolve(file))) {
          size = copy(new DigestInputStream(in, md), out);
        }
        unpacked.put(file, new String[] {Long.toString(size), HexFormat.of().formatHex(md.digest())});
      }
      if (manifest == null) {
        throw new FetchException("the image has no image.json manifest");
      }
      Map<String, String[]> listed = new HashMap<>();
      Matcher m = MANIFEST_FILE.matcher(manifest);
      while (m.find()) {
        listed.put(m.group(1), new String[] {m.group(2), m.group(3)});
      }
      if (!listed.keySet().equals(unpacked.keySet())) {
        throw new FetchException("the image's files " + unpacked.keySet() + " differ from its manifest's " + listed.keySet());
      }
      for (Map.Entry<String, String[]> f : listed.entrySet()) {
        String[] got = unpacked.get(f.getKey());
        if (!got[0].equals(f.getValue()[0]) || !got[1].equals(f.getValue()[1])) {
          throw new FetchException("file " + f.getKey() + " of the image does not match its manifest's size and SHA-256");
        }
      }
      ok = true;
      return offsetsOf(manifest);
    } finally {
      if (!ok) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target)) {
          for (Path p : ds) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private static Map<Integer, Long> offsetsOf(String manifest) {
    int at = manifest.indexOf("\"offsets\":{");
    if (at < 0) {
      return Map.of();
    }
    String body = manifest.substring(at + 11, manifest.indexOf('}', at));
    Map<Integer, Long> out = new TreeMap<>();
    Matcher m = MANIFEST_OFFSET.matcher(body);
    while (m.find()) {
      out.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
    }
    return Collections.unmodifiableMap(out);
  }

  private static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 16];
    long n = 0;
    for (int r; (r = in.read(buf)) > 0; ) {
      out.write(buf, 0, r);
      n += r;
    }
    return n;
  }

  private static String sha256Of(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
