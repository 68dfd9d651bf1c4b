package dev.sluice.cascade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.GatewayConfig.CascadeConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.pipeline.Stage;
import dev.sluice.provider.local.Embedder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a cascade model ({@code cascade:} in the config) by sending the request to its cheap or
 * its strong model, and passes every other request straight to the route stage it wraps. It wraps
 * the route stage rather than preceding it because the confidence policy may route one request
 * twice.
 *
 * <ul>
 *   <li>Router policy: the last user message's opening, and the ending of a long one, are embedded
 *       (on the embedder's thread, in one batch) and scored by the trained router (on a worker
 *       thread); the strong model answers when the score reaches the threshold. Nothing is
 *       buffered: a stream streams from whichever model answers.
 *   <li>Confidence policy: the cheap model answers first, asked for token log-probabilities and
 *       without streaming, since the answer must be judged whole before anything reaches the
 *       client; the strong model answers instead when the mean log-probability is below
 *       {@code min_logprob}. A client that asked for a stream gets the kept cheap answer replayed as
 *       one stream (so its first token comes when the whole answer is ready), or the strong
 *       model's live stream. An escalated request pays for both answers.
 * </ul>
 *
 * The answer carries {@code X-Sluice-Route} naming the model that answered and
 * {@code X-Sluice-Route-Score} with the score decided on. A cheap answer is recorded with what the
 * strong model would have cost ({@link RequestTrace#answeredInsteadOf}).
 */
public final class CascadeStage implements Stage {
  private static final Logger log = LoggerFactory.getLogger(CascadeStage.class);

  /** The response header carrying the cascade's decision score. */
  public static final String SCORE_HEADER = "X-Sluice-Route-Score";

  private final Stage route;
  private final Supplier<Embedder> embedder;
  private final Vertx vertx;

  /**
   * @param route the route stage, which answers without proceeding
   * @param embedder the gateway's shared embedder, asked for only when a router cascade is called
   */
  public CascadeStage(Stage route, Supplier<Embedder> embedder, Vertx vertx) {
    this.route = route;
    this.embedder = embedder;
    this.vertx = vertx;
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    Optional<CascadeConfig> cascade = call.operation() == Operation.CHAT_COMPLETIONS
        ? call.config().model(call.model()).flatMap(ModelConfig::cascade) : Optional.empty();
    if (cascade.isEmpty()) return route.handle(call, chain);
    CascadeConfig c = cascade.get();
    if (c.router().isPresent()) return byRouter(call, chain, c, c.router().get());
    return byConfidence(call, chain, c, c.minLogprob().orElseThrow());
  }

  private Future<Reply> byRouter(Call call, Chain chain, CascadeConfig c, CascadeRouter router) {
    double threshold = c.threshold().orElse(router.defaultThreshold());
    String text = PromptText.lastUserMessage(call.body());
    if (text.isBlank()) {
      // Nothing to judge the prompt by (no text, or only images): the strong model is the safe choice.
      return serve(call, chain, c, new CascadeDecision(CascadeDecision.Tier.STRONG, Double.NaN));
    }
    List<String> inputs = CascadeRouter.hasOwnEnding(text)
        ? List.of(CascadeRouter.input(text), CascadeRouter.ending(text)) : List.of(CascadeRouter.input(text));
    return embedder.get().embed(inputs)
        .compose(e -> vertx.executeBlocking(() -> router.score(text, e.vectors().getFirst(), e.vectors().getLast()),
            false))
        .transform(ar -> {
          if (ar.succeeded()) return serve(call, chain, c, CascadeDecision.byRouter(ar.result(), threshold));
          log.warn("request {}: the cascade router could not score the prompt ({}); sending it to {}",
              call.requestId(), ar.cause().toString(), c.strong());
          return serve(call, chain, c, new CascadeDecision(CascadeDecision.Tier.STRONG, Double.NaN));
        });
  }

  private Future<Reply> serve(Call call, Chain chain, CascadeConfig c, CascadeDecision decision) {
    String model = decision.escalates() ? c.strong() : c.cheap();
    if (!decision.escalates()) call.trace().answeredInsteadOf(c.strong());
    return route.handle(call.forModel(model, call.body(), call.stream()), chain)
        .map(reply -> withScore(reply, decision));
  }

  private Future<Reply> byConfidence(Call call, Chain chain, CascadeConfig c, double minLogprob) {
    ObjectNode body = call.body().deepCopy();
    body.put("logprobs", true);
    body.remove("stream");
    body.remove("stream_options");
    return route.handle(call.forModel(c.cheap(), body, false), chain).compose(reply -> {
      if (!(reply instanceof Reply.Complete cheap)) {
        return Future.failedFuture(new IllegalStateException("a non-streaming call answered with a stream"));
      }
      ObjectNode answer = cheap.body().tree();
      CascadeDecision decision = CascadeDecision.byConfidence(meanLogprob(answer), minLogprob);
      if (decision.escalates()) {
        call.trace().discarded(new RequestTrace.Discarded(cheap.served(), cheap.body().usage()));
        return route.handle(call.forModel(c.strong(), call.body(), call.stream()), chain)
            .map(strong -> withScore(strong, decision));
      }
      call.trace().answeredInsteadOf(c.strong());
      ObjectNode shown = BufferedAnswer.withoutUnaskedLogprobs(answer, call.body());
      Reply kept = call.stream()
          ? new Reply.Streaming(BufferedAnswer.replay(shown), cheap.served(), cheap.headers())
          : new Reply.Complete(shown == answer ? cheap.body() : dev.sluice.api.JsonBody.of(shown), cheap.served(),
              cheap.headers());
      return Future.succeededFuture(withScore(kept, decision));
    });
  }

  /** The mean token log-probability of the first choice's content, when the backend returned them. */
  static OptionalDouble meanLogprob(JsonNode completion) {
    JsonNode content = completion.path("choices").path(0).path("logprobs").path("content");
    if (!content.isArray() || content.isEmpty()) return OptionalDouble.empty();
    double sum = 0;
    int n = 0;
    for (JsonNode t : content) {
      if (t.path("logprob").isNumber()) {
        sum += t.get("logprob").asDouble();
        n++;
      }
    }
    return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n);
  }

  private static Reply withScore(Reply reply, CascadeDecision decision) {
    if (Double.isNaN(decision.score())) return reply;
    return reply.withHeader(SCORE_HEADER, String.format(Locale.ROOT, "%.4f", decision.score()));
  }
}
