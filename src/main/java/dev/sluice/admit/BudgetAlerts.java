package dev.sluice.admit;

import dev.sluice.api.Json;
import dev.sluice.store.Budgets;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.math.BigDecimal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends budget alerts: each threshold once per period (the store's mark makes it once across
 * replicas too), to the log and, when the budget has one, to its webhook as a JSON POST. Delivery
 * is best effort with a short timeout; a failed webhook is logged, never retried in a loop.
 */
public final class BudgetAlerts {
  private static final Logger log = LoggerFactory.getLogger(BudgetAlerts.class);

  private final Budgets budgets;
  private final Vertx vertx;
  private final HttpClient http;

  public BudgetAlerts(Budgets budgets, Vertx vertx) {
    this.budgets = budgets;
    this.vertx = vertx;
    this.http = vertx.createHttpClient();
  }

  public void send(BudgetGuard.Alert alert) {
    vertx.executeBlocking(() -> budgets.markAlerted(alert.budget().id(), alert.period().start(), alert.threshold()), false)
        .onSuccess(first -> {
          if (first) deliver(alert);
        })
        .onFailure(err -> log.warn("budget {}: could not record its alert: {}", alert.budget().id(), err.toString()));
  }

  private void deliver(BudgetGuard.Alert a) {
    var b = a.budget();
    String spent = BigDecimal.valueOf(a.spentNanos(), 9).stripTrailingZeros().toPlainString();
    String amount = BigDecimal.valueOf(b.amountNanos(), 9).stripTrailingZeros().toPlainString();
    log.warn("budget {} ({} {}{}, {} per {}): {}% reached, ${} spent of ${}{}", b.id(), b.scope(), b.tenant(),
        b.target() == null ? "" : "/" + b.target(), "$" + amount, b.period(), Math.round(a.threshold() * 100), spent,
        amount, b.action().equals("block") && a.threshold() >= 1.0 ? "; further requests are refused" : "");
    if (b.webhook() == null) return;
    var body = Json.MAPPER.createObjectNode();
    body.put("type", "budget.threshold");
    body.put("budget_id", b.id());
    body.put("scope", b.scope());
    body.put("tenant", b.tenant());
    body.put("target", b.target());
    body.put("period", b.period());
    body.put("period_start", a.period().start().toString());
    body.put("threshold", a.threshold());
    body.put("amount_usd", new BigDecimal(amount));
    body.put("spent_usd", new BigDecimal(spent));
    body.put("action", b.action());
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(b.webhook()).setTimeout(5_000)
            .putHeader("content-type", "application/json"))
        .compose(r -> r.send(Buffer.buffer(body.toString())))
        .onSuccess(r -> {
          if (r.statusCode() / 100 != 2) log.warn("budget {}: webhook answered HTTP {}", b.id(), r.statusCode());
        })
        .onFailure(err -> log.warn("budget {}: webhook failed: {}", b.id(), err.toString()));
  }
}
