package dev.sluice.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  record Event(String name, String data) {}

  private static List<Event> parseInPieces(String text, int pieceSize) {
    List<Event> out = new ArrayList<>();
    SseParser p = new SseParser((e, d) -> out.add(new Event(e, d)));
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += pieceSize) {
      p.feed(bytes, i, Math.min(pieceSize, bytes.length - i));
    }
    p.end();
    return out;
  }

  @Test
  void eventsSurviveAnySplitOfTheBytes() {
    String text = "event: message_start\ndata: {\"a\":1}\n\n: keep-alive comment\n\ndata: {\"b\":\"é\"}\r\n\r\ndata: [DONE]\n\n";
    List<Event> expected = List.of(new Event("message_start", "{\"a\":1}"), new Event(null, "{\"b\":\"é\"}"),
        new Event(null, "[DONE]"));
    for (int size = 1; size <= text.length(); size++) {
      assertThat(parseInPieces(text, size)).as("piece size %d", size).isEqualTo(expected);
    }
  }

  @Test
  void multiLineDataIsJoinedWithNewlines() {
    assertThat(parseInPieces("data: {\ndata:  \"x\": 1\ndata: }\n\n", 5))
        .containsExactly(new Event(null, "{\n \"x\": 1\n}"));
  }

  @Test
  void bareCarriageReturnsEndLines() {
    assertThat(parseInPieces("data: one\r\rdata: two\r\r", 3))
        .containsExactly(new Event(null, "one"), new Event(null, "two"));
  }

  @Test
  void aLastEventWithoutItsBlankLineIsDispatchedAtTheEnd() {
    assertThat(parseInPieces("data: tail", 4)).containsExactly(new Event(null, "tail"));
  }

  @Test
  void eventsWithoutDataAreIgnored() {
    assertThat(parseInPieces("event: ping\n\nid: 3\nretry: 10\n\n", 7)).isEmpty();
  }
}
