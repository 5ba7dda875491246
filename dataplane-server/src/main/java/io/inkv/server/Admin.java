package io.inkv.server;

import io.inkv.server.client.ImageFetch;
import io.inkv.store.Entry;
import io.inkv.store.Store;
import io.inkv.store.StoreException;
import io.inkv.store.StoreOptions;
import io.inkv.store.StoreStats;
import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;

/**
 * {@code inkv-server.jar admin ...}: commands on a store directory that no server has open
 * (stats, verify, compact, dump), and on keys and images.
 */
final class Admin {
  static final String USAGE = String.join("\n",
      "Usage: inkv-server admin <command> ...",
      "  stats <dir>                      entries, bytes, segments of the store in <dir>",
      "  verify <dir>                     read every record and check its CRC32C; exit 1 on damage",
      "  compact <dir>                    compact every segment past the garbage threshold now",
      "  dump <dir> [key]                 print one key's value, or every entry (documents as JSON;",
      "                                   other values as UTF-8 text, or base64: when not text)",
      "  new-key <id> <store|*> <scopes> [--pbkdf2]",
      "                                   make an API key: prints the secret once, and the line for --auth-file",
      "  fetch-image <server-url> <store> <dir> [--key id.secret]",
      "                                   download, verify and unpack a store's newest index image",
      "A store directory is <data-dir>/<store name>; stop the server first (a store opens in one process only).",
      "");

  private Admin() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    try {
      return switch (args[0]) {
        case "stats", "verify", "compact", "dump" -> onStore(args, out, err);
        case "new-key" -> newKey(args, out, err);
        case "fetch-image" -> fetchImage(args, out, err);
        default -> {
          err.println("inkv-server admin: unknown command '" + args[0] + "'");
          err.print(USAGE);
          yield 2;
        }
      };
    } catch (Store.AlreadyOpenException e) {
      err.println("inkv-server admin: " + e.getMessage() + "; stop the server that has it open first");
      return 1;
    } catch (StoreException | ImageFetch.FetchException | IllegalArgumentException e) {
      err.println("inkv-server admin: " + e.getMessage());
      return 1;
    }
  }

  private static int onStore(String[] args, PrintStream out, PrintStream err) {
    String cmd = args[0];
    int max = cmd.equals("dump") ? 3 : 2;
    if (args.length < 2 || args.length > max) {
      err.println("inkv-server admin: usage: " + cmd + " <dir>" + (cmd.equals("dump") ? " [key]" : ""));
      return 2;
    }
    Path dir = Path.of(args[1]);
    if (!Store.exists(dir)) {
      err.println("inkv-server admin: " + dir + " is not a store directory (no store manifest)");
      return 1;
    }
    boolean documents = DocumentStore.exists(dir);
    StoreOptions options = StoreOptions.builder(dir).createIfMissing(false).backgroundMaintenance(false).build();
    DocumentStore docs = documents ? DocumentStore.open(options) : null;
    Store store = documents ? docs.store() : Store.open(options);
    try {
      switch (cmd) {
        case "stats" -> {
          StoreStats s = store.stats();
          out.println("store:        " + dir.toAbsolutePath());
          out.println("kind:         " + (documents ? "documents" : "bytes"));
          out.println("entries:      " + s.entries());
          out.println("liveBytes:    " + s.liveBytes());
          out.println("garbageBytes: " + s.garbageBytes());
          out.println("segments:     " + s.segments());
          out.println("fileBytes:    " + s.fileBytes());
          if (documents) {
            out.println("fields:       " + docs.schema().fields().size());
          }
        }
        case "verify" -> {
          try {
            store.verify();
          } catch (Store.CorruptedException e) {
            out.println("DAMAGED: " + e.getMessage());
            return 1;
          }
          out.println("ok: every record of " + store.stats().segments() + " segments checks out ("
              + store.stats().entries() + " entries)");
        }
        case "compact" -> {
          StoreStats before = store.stats();
          int n = store.compact();
          store.flush();
          StoreStats after = store.stats();
          out.println("compacted " + n + " segments: garbage " + before.garbageBytes() + " -> " + after.garbageBytes()
              + " bytes, files " + before.fileBytes() + " -> " + after.fileBytes() + " bytes");
        }
        case "dump" -> {
          if (args.length == 3) {
            byte[] key = args[2].getBytes(StandardCharsets.UTF_8);
            if (documents) {
              Document d = docs.get(key);
              if (d == null) {
                err.println("no such key");
                return 1;
              }
              out.println(new String(new DocumentJson(Integer.MAX_VALUE).write(d), StandardCharsets.UTF_8));
            } else {
              byte[] v = store.get(key);
              if (v == null) {
                err.println("no such key");
                return 1;
              }
              out.println(show(v));
            }
          } else {
            DocumentJson json = new DocumentJson(Integer.MAX_VALUE);
            for (Iterator<Entry> it = store.iterator(); it.hasNext(); ) {
              Entry e = it.next();
              String value = documents ? new String(json.write(docs.get(e.key())), StandardCharsets.UTF_8) : show(e.value());
              out.println(show(e.key()) + "\t" + value);
            }
          }
        }
        default -> throw new IllegalStateException(cmd);
      }
      return 0;
    } finally {
      if (docs != null) {
        docs.close();
      } else {
        store.close();
      }
    }
  }

  /** UTF-8 text as it is, anything else as "base64:..." */
  private static String show(byte[] bytes) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      if (s.chars().noneMatch(c -> c < 0x20 && c != '\t')) {
        return s;
      }
    } catch (CharacterCodingException e) {
      // not text
    }
    return "base64:" + Base64.getEncoder().encodeToString(bytes);
  }

  private static int newKey(String[] args, PrintStream out, PrintStream err) {
    boolean pbkdf2 = args.length == 5 && args[4].equals("--pbkdf2");
    if (args.length != 4 && !pbkdf2) {
      err.println("inkv-server admin: usage: new-key <id> <store|*> <read|write|read,write> [--pbkdf2]");
      return 2;
    }
    String id = args[1];
    if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
      err.println("inkv-server admin: a key id is 1 to 64 letters, digits, '_' or '-'");
      return 2;
    }
    if (!args[2].equals("*") && !StoreNames.isValid(args[2])) {
      err.println("inkv-server admin: store must be * or match " + StoreNames.PATTERN);
      return 2;
    }
    if (!args[3].matches("(read|write)(,(read|write))?")) {
      err.println("inkv-server admin: scopes are read, write or read,write");
      return 2;
    }
    String secret = ApiKeys.newSecret();
    out.println("# the key to give the client (shown once; the server keeps only its hash):");
    out.println("#   Authorization: Bearer " + id + "." + secret);
    out.println("# the line to add to the --auth-file:");
    out.println(ApiKeys.fileLine(id, args[2], args[3], secret, pbkdf2));
    return 0;
  }

  private static int fetchImage(String[] args, PrintStream out, PrintStream err) {
    String key = null;
    if (args.length == 6 && args[4].equals("--key")) {
      key = args[5];
    } else if (args.length != 4) {
      err.println("inkv-server admin: usage: fetch-image <server-url> <store> <dir> [--key id.secret]");
      return 2;
    }
    ImageFetch.Result r = ImageFetch.fetchLatest(URI.create(args[1]), args[2], Path.of(args[3]), key);
    out.println("fetched image " + r.imageId() + " of store '" + args[2] + "' (" + r.bytes() + " bytes, verified) into "
        + args[3] + "; offsets " + r.offsets());
    return 0;
  }
}
