package dev.sluice.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.regex.Pattern;

/** The one JSON mapper Sluice uses for the wire: lenient on unknown fields, strict on syntax. */
public final class Json {
  private Json() {}

  public static final ObjectMapper MAPPER = JsonMapper.builder(
          JsonFactory.builder()
              // Bodies are bounded by max_request_body; strings inside them may be as large.
              .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
              .build())
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /**
   * The value where {@code p} stands, as a tree, leaving the parser on its last token. The nodes are
   * those {@code ObjectMapper.readTree} makes (the last of duplicate names wins), without the
   * mapper's set-up for each call, which cost more than the parse for a value as small as
   * {@code usage}. Used where one member of a larger document is read. Depth is bounded by the parser's nesting limit.
   */
  public static JsonNode treeAt(JsonParser p) throws IOException {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = f.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          o.set(name, treeAt(p));
        }
        yield o;
      }
      case START_ARRAY -> {
        ArrayNode a = f.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) a.add(treeAt(p));
        yield a;
      }
      case VALUE_STRING -> f.textNode(p.getText());
      case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
        case INT -> f.numberNode(p.getIntValue());
        case LONG -> f.numberNode(p.getLongValue());
        default -> f.numberNode(p.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> f.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> f.booleanNode(true);
      case VALUE_FALSE -> f.booleanNode(false);
      case VALUE_NULL -> f.nullNode();
      default -> throw new IOException("unexpected " + p.currentToken());
    };
  }

  /** A location as Jackson prints it inside a message, with a source description a client never needs. */
  private static final Pattern PRINTED_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");

  /**
   * What is wrong with a body that does not parse, for its sender: where parsing stopped, then
   * Jackson's reason with any location inside it written the same way, e.g. {@code line 1, column
   * 26: Unexpected end-of-input: expected close marker for Array (start marker at line 1, column
   * 25)}. The reason may quote the offending token, as the sender's own input; Jackson's
   * description of the source never appears.
   */
  public static String syntaxProblem(JsonProcessingException e) {
    String reason = PRINTED_LOCATION.matcher(String.valueOf(e.getOriginalMessage())).replaceAll("line $1, column $2");
    var at = e.getLocation();
    return at == null ? reason : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + reason;
  }
}
