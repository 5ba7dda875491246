package io.inkv.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inkv.store.document.Document;
import io.inkv.store.document.Field;
import io.inkv.store.document.FieldType;
import io.inkv.store.document.Schema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/*
 * Documents as JSON. A document is a JSON object of fields. What a JSON value becomes:
 *
 *   - a field the schema already has: the value is converted to the field's type (an INT32 field
 *     takes an integral number in int range, a BYTES field takes base64 text, and so on); a value
 *     that does not fit is a 400 naming the field;
 *   - a new field: true/false is BOOLEAN, an integral number INT64, any other number FLOAT64, text
 *     STRING;
 *   - a one-member object fixes the type: {"int32": 5}, {"int64": 5}, {"float32": 1.5},
 *     {"float64": 1.5}, {"boolean": true}, {"string": "x"}, {"base64": "AAEC"} (BYTES).
 *
 * Reads write each field in its natural JSON form, and BYTES as {"base64": "..."}, so a document
 * read back can be written back unchanged. A field's raw bytes can also be read and written with
 * no JSON at all: GET/PUT /stores/{name}/docs/{key}/fields/{field}.
 *
 * Parsing uses Jackson's tree model with stream limits (nesting depth 8, strings at most the
 * field limit): hostile input fails fast with a 400 and never reaches the store.
 */
final class DocumentJson {
  /** Thrown for JSON that does not describe a valid request; its message is safe to show the client. */
  static final class BadJsonException extends ServerException {
    private static final long serialVersionUID = 1L;

    BadJsonException(String message) {
      super(message);
    }
  }

  static final int MAX_MULTI_GET_KEYS = 10_000;

  private final ObjectMapper mapper;
  private final int maxFieldBytes;

  DocumentJson(int maxFieldBytes) {
    this.maxFieldBytes = maxFieldBytes;
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(8)
            .maxStringLength(Math.max(maxFieldBytes * 2, 1 << 20))
            .maxNumberLength(400)
            .build())
        .build();
    this.mapper = new ObjectMapper(factory);
  }

  private JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw new BadJsonException("the request body is empty; expected a JSON object");
    }
    try {
      JsonNode node = mapper.readTree(body);
      if (node == null || !node.isObject()) {
        throw new BadJsonException("expected a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new BadJsonException("malformed JSON" + where + ": " + problem(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new BadJsonException("the request body cannot be read as JSON");
    }
  }

  /*
   * The parser's own words, without what only the parser knows: its source description ("[Source:
   * REDACTED (StreamReadFeature...)"), its feature names and its later lines; the location is said
   * by the caller in the request's terms.
   */
  private static String problem(String s) {
    if (s == null || s.isBlank()) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    line = line.replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
        .replaceAll("\\s*\\[Source:[^\\]]*\\]", "")
        .replaceAll("\\s*\\(through reference chain:[^)]*\\)", "")
        .replaceAll("\\s*\\([^()]*(Feature|JsonFactory|StreamRead|JsonParser)[^()]*\\)", "")
        .strip();
    return line.length() > 200 ? line.substring(0, 200) : line;
  }

  /** Parses an upsert body into the fields to merge. */
  Document upsert(byte[] body, Schema schema) {
    JsonNode root = parse(body);
    if (root.isEmpty()) {
      throw new BadJsonException("the document has no fields");
    }
    Document.Builder b = Document.builder();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String name = e.getKey();
      Optional<Field> existing = schema.field(name);
      Object value = valueOf(name, e.getValue(), existing.map(Field::type).orElse(null));
      b.putObject(name, value);
    }
    return b.build();
  }

  private Object valueOf(String name, JsonNode v, FieldType declared) {
    if (v.isNull()) {
      throw new BadJsonException("field '" + name + "': null is not a value; to remove a field, "
          + "DELETE /stores/{name}/docs/{key}?fields=" + name);
    }
    if (v.isObject()) {
      if (v.size() != 1) {
        throw new BadJsonException("field '" + name + "': a typed value is an object with one member, such as {\"int32\": 5}");
      }
      Map.Entry<String, JsonNode> t = v.properties().iterator().next();
      FieldType type = switch (t.getKey()) {
        case "int32" -> FieldType.INT32;
        case "int64" -> FieldType.INT64;
        case "float32" -> FieldType.FLOAT32;
        case "float64" -> FieldType.FLOAT64;
        case "boolean" -> FieldType.BOOLEAN;
        case "string" -> FieldType.STRING;
        case "base64", "bytes" -> FieldType.BYTES;
        default -> throw new BadJsonException("field '" + name + "': unknown type '" + t.getKey()
            + "'; one of int32, int64, float32, float64, boolean, string, base64");
      };
      return convert(name, t.getValue(), type);
    }
    if (declared != null) {
      return convert(name, v, declared);
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return convert(name, v, FieldType.INT64);
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      return convert(name, v, FieldType.STRING);
    }
    throw new BadJsonException("field '" + name + "': arrays are not field values");
  }

  private Object convert(String name, JsonNode v, FieldType type) {
    return switch (type) {
      case INT32 -> v.isIntegralNumber() && v.canConvertToInt() ? v.intValue()
          : mismatch(name, type, "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
      case INT64 -> v.isIntegralNumber() && v.canConvertToLong() ? v.longValue()
          : mismatch(name, type, "a whole number that fits in 64 bits");
      case FLOAT32 -> v.isNumber() ? v.floatValue() : mismatch(name, type, "a number");
      case FLOAT64 -> v.isNumber() ? v.doubleValue() : mismatch(name, type, "a number");
      case BOOLEAN -> v.isBoolean() ? v.booleanValue() : mismatch(name, type, "true or false");
      case STRING -> {
        if (!v.isTextual()) {
          mismatch(name, type, "text");
        }
        String s = v.textValue();
        checkSize(name, s.length() <= maxFieldBytes / 3 ? s.length() : s.getBytes(StandardCharsets.UTF_8).length);
        yield s;
      }
      case BYTES -> {
        if (!v.isTextual()) {
          mismatch(name, type, "base64 text");
        }
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(v.textValue());
        } catch (IllegalArgumentException e) {
          throw new BadJsonException("field '" + name + "' is BYTES: not base64: " + e.getMessage());
        }
        checkSize(name, bytes.length);
        yield bytes;
      }
    };
  }

  /* Refuses a JSON value that does not fit the field's type; never returns. */
  private static Object mismatch(String name, FieldType type, String expected) {
    throw new BadJsonException("field '" + name + "' is " + type + ": expected " + expected);
  }

  void checkSize(String name, int bytes) {
    if (bytes > maxFieldBytes) {
      throw new FieldTooLargeException("field '" + name + "' is " + bytes + " bytes; the limit is "
          + maxFieldBytes + " (--max-field-bytes)");
    }
  }

  /** Thrown for a field value over --max-field-bytes (answered 413). */
  static final class FieldTooLargeException extends ServerException {
    private static final long serialVersionUID = 1L;

    FieldTooLargeException(String message) {
      super(message);
    }
  }

  record MultiGet(List<String> keys, List<String> fields) {}

  /** Parses {"keys": [...], "fields": [...]} ("fields" optional: every field). */
  MultiGet multiGet(byte[] body) {
    JsonNode root = parse(body);
    JsonNode keys = root.get("keys");
    if (keys == null || !keys.isArray()) {
      throw new BadJsonException("expected {\"keys\": [\"k1\", ...], \"fields\": [\"f1\", ...]} (fields optional)");
    }
    if (keys.size() > MAX_MULTI_GET_KEYS) {
      throw new BadJsonException("at most " + MAX_MULTI_GET_KEYS + " keys per multi-get: " + keys.size());
    }
    List<String> k = texts(keys, "keys");
    JsonNode fields = root.get("fields");
    List<String> f = null;
    if (fields != null && !fields.isNull()) {
      if (!fields.isArray()) {
        throw new BadJsonException("\"fields\" must be an array of field names");
      }
      f = texts(fields, "fields");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String n = it.next();
      if (!n.equals("keys") && !n.equals("fields")) {
        throw new BadJsonException("unknown member '" + n + "'; a multi-get has keys and fields");
      }
    }
    return new MultiGet(k, f);
  }

  private static List<String> texts(JsonNode array, String what) {
    List<String> out = new ArrayList<>(array.size());
    for (JsonNode n : array) {
      if (!n.isTextual()) {
        throw new BadJsonException("\"" + what + "\" must hold only strings");
      }
      out.add(n.textValue());
    }
    return out;
  }

  /** Writes a document's fields, in schema order, as one JSON object. */
  byte[] write(Document doc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
      writeFields(g, doc.asMap());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes {"documents": [row, ...]}, a row being an object of its fields or null. */
  byte[] writeRows(List<Map<String, Object>> rows) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + rows.size() * 32);
    try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("documents");
      for (Map<String, Object> row : rows) {
        if (row == null) {
          g.writeNull();
        } else {
          writeFields(g, row);
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes any small JSON-able tree (maps, lists, strings, numbers, booleans). */
  byte[] writeValue(Object tree) {
    try {
      return mapper.writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeFields(JsonGenerator g, Map<String, Object> fields) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      g.writeFieldName(e.getKey());
      writeScalar(g, e.getValue());
    }
    g.writeEndObject();
  }

  private static void writeScalar(JsonGenerator g, Object v) throws IOException {
    if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Float f) {
      if (Float.isFinite(f)) {
        g.writeNumber(f);
      } else {
        writeTagged(g, "float32", f.toString());
      }
    } else if (v instanceof Double d) {
      if (Double.isFinite(d)) {
        g.writeNumber(d);
      } else {
        writeTagged(g, "float64", d.toString());
      }
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof byte[] bytes) {
      writeTagged(g, "base64", Base64.getEncoder().encodeToString(bytes));
    } else {
      g.writeString(String.valueOf(v));
    }
  }

  /* A value JSON has no literal for, as an object of one field that names its form: {"float32":"NaN"}. */
  private static void writeTagged(JsonGenerator g, String form, String text) throws IOException {
    g.writeStartObject();
    g.writeStringField(form, text);
    g.writeEndObject();
  }
}
