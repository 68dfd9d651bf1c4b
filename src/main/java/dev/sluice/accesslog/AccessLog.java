package dev.sluice.accesslog;

import dev.sluice.api.JsonStrings;
import dev.sluice.events.GatewayEvents;
import dev.sluice.store.UsageRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per model call (request id, tenant, key id, feature, run, model
 * asked and served, backend, status, tokens, cost, cache status, latency). Prompts and completions
 * are never written here, except for tenants that opt in: {@link ContentLogStage} then adds one
 * redacted content line per call of theirs.
 *
 * <p>Lines are handed to a writer thread through a bounded queue, so a slow disk never holds up a
 * request; when the queue is full a line is dropped and counted (the ledger, not this log, is the
 * record of what was used).
 */
public final class AccessLog implements GatewayEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
  private static final String STOP = "";

  private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(65_536);
  private final AtomicLong dropped = new AtomicLong();
  private final Writer out;
  private final Thread writer;

  private AccessLog(Writer out, String where) {
    this.out = out;
    this.writer = Thread.ofPlatform().daemon().name("sluice-access-log").start(this::run);
    log.info("access log: {}", where);
  }

  /**
   * The access log for the config's {@code access_log}: {@code stdout}, {@code stderr} or a file
   * path (appended to); {@code null} for {@code off}.
   */
  public static AccessLog open(String target) {
    if (target == null || target.equals("off")) return null;
    return switch (target) {
      case "stdout" -> new AccessLog(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)), "stdout");
      case "stderr" -> new AccessLog(new BufferedWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8)), "stderr");
      default -> {
        try {
          Path p = Path.of(target);
          if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
          yield new AccessLog(Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
              StandardOpenOption.APPEND), p.toString());
        } catch (IOException e) {
          throw new IllegalStateException("cannot open the access log " + target + ": " + e.getMessage(), e);
        }
      }
    };
  }

  /** Lines dropped because the writer could not keep up. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void metered(UsageRecord r) {
    if (!lines.offer(line(r))) dropped.incrementAndGet();
  }

  /** Writes one more line (a content line), dropped and counted like any other when the queue is full. */
  void append(String line) {
    if (!lines.offer(line)) dropped.incrementAndGet();
  }

  static String line(UsageRecord r) {
    StringBuilder sb = new StringBuilder(512);
    sb.append("{\"time\":");
    JsonStrings.quote(sb, Instant.ofEpochSecond(r.time().getEpochSecond(), r.time().getNano()).toString());
    str(sb, "request_id", r.requestId());
    str(sb, "tenant", r.tenant());
    str(sb, "key_id", r.keyId());
    str(sb, "feature", r.feature());
    str(sb, "user", r.user());
    str(sb, "run", r.run());
    str(sb, "operation", r.operation());
    str(sb, "model_asked", r.modelAsked());
    str(sb, "model_served", r.modelServed());
    str(sb, "deployment", r.deployment());
    str(sb, "provider", r.provider());
    str(sb, "pool", r.pool());
    sb.append(",\"status\":").append(r.status());
    str(sb, "error_code", r.errorCode());
    sb.append(",\"input_tokens\":").append(r.inputTokens())
        .append(",\"cached_input_tokens\":").append(r.cachedInputTokens())
        .append(",\"cache_write_tokens\":").append(r.cacheWriteTokens())
        .append(",\"output_tokens\":").append(r.outputTokens())
        .append(",\"cost_usd\":").append(usd(r.costNanos()))
        .append(",\"charge_usd\":").append(usd(r.chargeNanos()))
        .append(",\"priced\":").append(r.priced());
    str(sb, "cache", r.cacheStatus());
    if (r.mechanism() != null) {
      str(sb, "mechanism", r.mechanism());
      sb.append(",\"avoided_usd\":").append(usd(r.avoidedNanos()));
    }
    sb.append(",\"latency_ms\":").append(BigDecimal.valueOf(r.latencyMicros(), 3).toPlainString());
    if (r.ttftMicros() >= 0) sb.append(",\"ttft_ms\":").append(BigDecimal.valueOf(r.ttftMicros(), 3).toPlainString());
    return sb.append("}\n").toString();
  }

  private static void str(StringBuilder sb, String name, String value) {
    if (value == null) return;
    sb.append(",\"").append(name).append("\":");
    JsonStrings.quote(sb, value);
  }

  private static String usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }

  private void run() {
    try {
      while (true) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line == null) {
          out.flush();
          continue;
        }
        if (line == STOP) break;
        out.write(line);
        if (lines.isEmpty()) out.flush();
      }
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.error("access log: writing failed ({}); no more lines will be written", e.toString());
    }
  }

  @Override
  public void close() {
    try {
      lines.put(STOP);
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
