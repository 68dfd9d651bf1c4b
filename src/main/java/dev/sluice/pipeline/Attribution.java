package dev.sluice.pipeline;

import java.util.Map;

/**
 * What a request is spent on, beyond who pays: the product feature, the end user, the agent run
 * (and its parent run), and free tags. Each comes from an {@code X-Sluice-*} header or its OpenAI
 * body equivalent; every value is bounded in length and the tags in number, so a client cannot
 * blow up the ledger or the metrics.
 *
 * @param feature {@code X-Sluice-Feature}, or {@code null}
 * @param user {@code X-Sluice-User}, else the OpenAI {@code user} field, or {@code null}
 * @param run {@code X-Sluice-Run}, else {@code metadata.run_id}, else the trace id of a W3C
 *     {@code traceparent} header, or {@code null}
 * @param parentRun {@code X-Sluice-Parent-Run}, or {@code null}
 * @param tags {@code X-Sluice-Tags: k=v,...} merged over the string values of OpenAI {@code metadata}
 */
public record Attribution(String feature, String user, String run, String parentRun, Map<String, String> tags) {
  public static final Attribution NONE = new Attribution(null, null, null, null, Map.of());

  public Attribution {
    tags = Map.copyOf(tags);
  }
}
