package dev.sluice.runs.loop.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sluice in front of the emulator, over HTTP, as an OpenAI client calls it: each call carries the
 * run in {@code X-Sluice-Run} and the scenario's tool script in {@code metadata.sluice_sim_tools}
 * (which the gateway passes through to the emulator). A call the scenario says fails is sent to
 * {@code failingModel}, a model whose only deployment is down, so the gateway answers it with an
 * upstream error.
 */
public final class GatewayModel implements AgentModel {

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String apiKey;
  private final String failingModel;

  /**
   * @param baseUrl the gateway's {@code /v1} URL
   * @param apiKey a tenant key
   * @param failingModel the model to send failing calls to
   */
  public GatewayModel(String baseUrl, String apiKey, String failingModel) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.failingModel = failingModel;
  }

  @Override
  public Answer call(String run, Scenario scenario, ObjectNode request, int call) {
    ObjectNode body = request.deepCopy();
    body.putObject("metadata").put("sluice_sim_tools", scenario.script());
    if (scenario.failCalls().contains(call)) body.put("model", failingModel);
    HttpRequest http = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .header("X-Sluice-Run", run)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    try {
      HttpResponse<String> response = client.send(http, HttpResponse.BodyHandlers.ofString());
      JsonNode json = Json.MAPPER.readTree(response.body());
      if (response.statusCode() >= 400) {
        JsonNode error = json.path("error");
        // A refusal names its pattern in param; the message is for people.
        String param = error.path("param").isTextual() ? error.path("param").asText() + ": " : "";
        return new Answer(response.statusCode(), error.path("code").asText(null), null,
            param + error.path("message").asText(""));
      }
      return Answer.ok((ObjectNode) json.path("choices").path(0).path("message"));
    } catch (IOException e) {
      throw new UncheckedIOException("calling " + baseUrl + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
