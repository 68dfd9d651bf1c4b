package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser (Debian's Chromium, driven by Playwright): sign in with the
 * admin key, open every view after a scripted workload, check that the charts are drawn, that
 * their legends and tiles carry the totals the usage API gives, and keep a screenshot of each
 * view under {@code target/ui-screenshots/}.
 *
 * <p>Skipped, with a message, only where {@code /usr/bin/chromium} is missing on a developer's
 * machine; {@code .ci/run} installs it, and under CI a missing Chromium fails the test. Playwright
 * is told never to download a browser of its own.
 */
class DashboardBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SHOTS = Path.of("target", "ui-screenshots");

  static Playwright playwright;
  static Browser browser;

  BrowserContext context;
  Page page;
  final List<String> consoleErrors = new ArrayList<>();
  final List<String> consoleStacks = new ArrayList<>();
  final List<String> failedRequests = new ArrayList<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void startBrowser() throws Exception {
    if (System.getenv("CI") != null) {
      assertThat(CHROMIUM).as("CI installs Chromium (.ci/run); the browser test must run there").isExecutable();
    }
    assumeTrue(Files.isExecutable(CHROMIUM),
        "Chromium is not installed at /usr/bin/chromium, so the dashboard's browser test is skipped. "
            + "Install it with: apt-get install -y chromium chromium-driver (.ci/run does).");
    Files.createDirectories(SHOTS);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(env));
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(CHROMIUM)
        .setHeadless(true)
        .setArgs(List.of("--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync")));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) browser.close();
    if (playwright != null) playwright.close();
  }

  @BeforeEach
  void openPage() {
    context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1360, 900).setLocale("en-GB")
        .setTimezoneId("UTC"));
    page = context.newPage();
    page.setDefaultTimeout(20_000);
    page.onConsoleMessage(m -> {
      // a request that failed is checked by its answer, below, with its URL
      if (m.type().equals("error") && !m.text().startsWith("Failed to load resource")) {
        consoleErrors.add(m.text());
        for (var arg : m.args()) consoleStacks.add(String.valueOf(arg.evaluate("e => e && e.stack")));
      }
    });
    page.onPageError(e -> consoleErrors.add(e));
    page.onResponse(r -> {
      if (r.status() >= 400) failedRequests.add(r.status() + " " + r.request().method() + " " + r.url());
    });
  }

  @AfterEach
  void closePage() {
    if (context != null) context.close();
  }

  @Test
  void everyViewShowsTheTotalsOfTheUsageApi() throws Exception {
    try (DashboardWorkload w = DashboardWorkload.full(dir)) {
      String base = "http://127.0.0.1:" + w.sluice.port();

      page.navigate(base + "/ui");
      assertThat(page.url()).as("/ui redirects to /ui/ so that relative links resolve").isEqualTo(base + "/ui/");
      assertThat(page.locator("#signin").isVisible()).isTrue();
      shot("signin");

      page.fill("#key", "sk-not-the-admin-key");
      page.click("#signin-form button[type=submit]");
      page.locator("#signin-error:not([hidden])").waitFor();
      assertThat(page.textContent("#signin-error")).contains("refused");
      assertThat(failedRequests).singleElement().asString().startsWith("401 GET " + base + "/admin/config");
      failedRequests.clear();

      page.fill("#key", DashboardWorkload.ADMIN);
      page.click("#signin-form button[type=submit]");
      Locator spend = view("spend", "");
      assertThat(page.url()).doesNotContain(DashboardWorkload.ADMIN);
      assertThat(page.evaluate("() => document.cookie")).isEqualTo("");

      // Spend, the last 7 days: tiles are the usage totals, the legend the totals per tenant.
      spend = show(base, "spend", "range=week");
      Window win = window(spend);
      JsonNode totals = w.admin("/admin/usage" + win.query()).get("rows").get(0);
      assertThat(tile(spend, "cost")).isEqualByComparingTo(totals.get("cost_usd").decimalValue());
      assertThat(tile(spend, "charge")).isEqualByComparingTo(totals.get("charge_usd").decimalValue());
      assertThat(tile(spend, "requests").longValue()).isEqualTo(totals.get("requests").asLong());
      assertThat(tile(spend, "avoided")).isEqualByComparingTo(totals.get("avoided_usd").decimalValue());
      assertThat(tile(spend, "cost").signum()).isPositive();
      assertChart(spend, "spend");
      assertThat(legend(spend, "spend")).isEqualTo(sums(w.admin("/admin/usage" + win.query() + "&group_by=tenant"), "tenant", "cost_usd"));
      assertThat(legend(spend, "spend")).containsOnlyKeys("acme", "globex", "initech");
      shot("spend-by-tenant");

      spend.locator("button", new Locator.LocatorOptions().setHasText("Feature")).click();
      spend = view("spend", "range=week&by=feature");
      assertChart(spend, "spend");
      Map<String, BigDecimal> byFeature = sums(w.admin("/admin/usage" + window(spend).query() + "&group_by=feature"), "feature", "cost_usd");
      assertThat(legend(spend, "spend")).isEqualTo(byFeature);
      shot("spend-by-feature");

      spend.locator("button", new Locator.LocatorOptions().setHasText("Model")).click();
      spend = view("spend", "range=week&by=model");
      assertChart(spend, "spend");
      assertThat(legend(spend, "spend")).isEqualTo(sums(w.admin("/admin/usage" + window(spend).query() + "&group_by=model"), "model", "cost_usd"));
      shot("spend-by-model");

      spend = show(base, "spend", "range=hour");
      assertChart(spend, "spend");
      assertThat(window(spend).granularity()).isEqualTo("minute");
      assertThat(tile(spend, "requests").longValue())
          .isEqualTo(w.admin("/admin/usage" + window(spend).query()).at("/rows/0/requests").asLong());
      shot("spend-last-hour");

      // Avoided spend by mechanism
      Locator savings = show(base, "savings", "range=week");
      assertChart(savings, "savings");
      Map<String, BigDecimal> avoided = sums(w.admin("/admin/usage" + window(savings).query() + "&group_by=mechanism"), "mechanism", "avoided_usd");
      avoided.remove("");
      assertThat(legend(savings, "savings")).isEqualTo(avoided);
      assertThat(legend(savings, "savings")).containsKeys("exact", "semantic", "cascade", "run_guard");
      shot("savings");

      // Budgets: spent in the period as the usage API sums the tenant's charges
      Locator budgets = show(base, "budgets", "");
      JsonNode status = w.admin("/admin/budgets/status");
      assertThat(budgets.locator("article.budget").count()).isEqualTo(3);
      for (JsonNode b : status.get("data")) {
        Locator card = budgets.locator("article.budget[data-budget='" + b.get("id").asText() + "']");
        assertThat(card.locator("canvas").count()).as("burn-down of " + b.get("id")).isEqualTo(1);
        assertThat(card.locator(".legend-row").count()).isEqualTo(2);
        assertThat(new BigDecimal(card.locator("[data-spent]").getAttribute("data-spent")))
            .isEqualByComparingTo(b.get("spent_usd").decimalValue());
        if (b.get("scope").asText().equals("tenant")) {
          String tenant = b.get("tenant").asText();
          JsonNode used = w.admin("/admin/usage?tenant=" + tenant + "&from=" + enc(b.get("period_start").asText()));
          assertThat(b.get("spent_usd").decimalValue()).as("budget of " + tenant)
              .isEqualByComparingTo(used.at("/rows/0/charge_usd").decimalValue());
        }
      }
      assertThat(budgets.locator("article.budget .forecast.bad").count()).as("globex's summarize budget is exhausted").isPositive();
      shot("budgets");

      // Costliest runs
      Locator runs = show(base, "runs", "range=week");
      List<JsonNode> byRun = new ArrayList<>();
      w.admin("/admin/usage" + window(runs).query() + "&group_by=tenant,run").get("rows").forEach(r -> {
        if (!r.get("run").isNull()) byRun.add(r);
      });
      byRun.sort((a, b) -> b.get("cost_usd").decimalValue().compareTo(a.get("cost_usd").decimalValue()));
      Locator first = runs.locator("tbody tr").first();
      assertThat(first.getAttribute("data-run")).isEqualTo(byRun.getFirst().get("run").asText());
      assertThat(new BigDecimal(first.getAttribute("data-cost"))).isEqualByComparingTo(byRun.getFirst().get("cost_usd").decimalValue());
      assertThat(runs.locator("tbody tr").count()).isEqualTo(Math.min(20, byRun.size()));
      Locator live = runs.locator("tbody tr[data-run='agent-run-42']");
      assertThat(live.locator("td").nth(2).textContent()).isEqualTo("3");
      live.click();
      runs.locator(".run-details h3").waitFor();
      assertThat(runs.locator(".run-details").textContent()).contains("agent-run-42");
      shot("runs");

      // Latency per backend: the calls each answered, as the usage API counts them
      Locator latency = show(base, "latency", "range=week");
      assertChart(latency, "latency");
      Map<String, Long> answered = new TreeMap<>();
      for (JsonNode r : w.admin("/admin/usage" + window(latency).query() + "&group_by=model,deployment,status").get("rows")) {
        if (r.get("deployment").isNull() || r.get("status").asInt() >= 400) continue;
        answered.merge(r.get("model").asText() + "/" + r.get("deployment").asText(), r.get("requests").asLong(), Long::sum);
      }
      Map<String, Long> shown = new TreeMap<>();
      for (Locator row : latency.locator("tbody tr").all()) {
        shown.put(row.getAttribute("data-backend"), Long.parseLong(row.getAttribute("data-requests")));
      }
      assertThat(shown).isEqualTo(answered).containsKeys("chat-large/gpu-a", "chat-small/cpu-a");
      assertThat(legend(latency, "latency")).containsOnlyKeys("chat-large/gpu-a", "chat-small/cpu-a");
      shot("latency");
      latency.locator("button", new Locator.LocatorOptions().setHasText("Time to first token")).click();
      latency = view("latency", "range=week&metric=ttft");
      assertChart(latency, "latency");
      shot("latency-ttft");

      // Errors by status
      Locator errors = show(base, "errors", "range=week");
      assertChart(errors, "errors");
      JsonNode byStatus = w.admin("/admin/usage" + window(errors).query() + "&group_by=status");
      long failed = 0;
      Map<String, BigDecimal> perStatus = new TreeMap<>();
      for (JsonNode r : byStatus.get("rows")) {
        if (r.get("status").asInt() >= 400) failed += r.get("requests").asLong();
        perStatus.put(r.get("status").asText(), r.get("requests").decimalValue());
      }
      assertThat(tile(errors, "errors").longValue()).isEqualTo(failed);
      assertThat(legend(errors, "errors")).isEqualTo(perStatus).containsKeys("200", "429", "502");
      assertThat(errors.locator("tbody tr[data-code='budget_exceeded']").count()).isEqualTo(1);
      shot("errors");

      // Signing out forgets the key
      page.click("#signout");
      page.locator("#signin").waitFor();
      assertThat(page.evaluate("() => sessionStorage.getItem('sluice.adminKey')")).isNull();
      page.navigate(base + "/ui/#/spend");
      page.locator("#signin").waitFor();
      assertThat(consoleErrors).as("errors in the browser console").isEmpty();
      // this Sluice has no per-run report: the page asked for it, and said so
      assertThat(failedRequests).allMatch(r -> r.startsWith("404 GET " + base + "/admin/runs/agent-run-42?tenant=acme"));
    }
  }

  @Test
  void anEmptyGatewaySaysWhatToDo() throws Exception {
    try (DashboardWorkload w = DashboardWorkload.empty(dir)) {
      String base = "http://127.0.0.1:" + w.sluice.port();
      page.navigate(base + "/ui/");
      page.fill("#key", DashboardWorkload.ADMIN);
      page.click("#signin-form button[type=submit]");
      Locator spend = view("spend", "");
      assertThat(spend.locator(".empty").textContent()).contains("No traffic").contains(base + "/v1");
      shot("empty-spend");

      assertThat(show(base, "budgets", "").locator(".empty").textContent()).contains("No budgets yet").contains("POST")
          .contains(base + "/admin/budgets");
      shot("empty-budgets");

      for (String v : List.of("savings", "runs", "latency", "errors")) {
        assertThat(show(base, v, "").locator(".empty").count()).as(v).isPositive();
      }
      assertThat(consoleErrors).as("errors in the browser console").isEmpty();
      assertThat(failedRequests).isEmpty();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The window a view shows, from its data attributes. */
  record Window(String from, String to, String granularity) {
    String query() {
      return "?from=" + enc(from) + "&to=" + enc(to);
    }
  }

  private Window window(Locator view) {
    return new Window(view.getAttribute("data-from"), view.getAttribute("data-to"), view.getAttribute("data-granularity"));
  }

  /** Opens {@code #/<id>?<query>} and waits for the view to load. */
  private Locator show(String base, String id, String query) {
    page.navigate(base + "/ui/#/" + id + (query.isEmpty() ? "" : "?" + query));
    return view(id, query);
  }

  /** The view once it has loaded for this query (the hash's part after '?'). */
  private Locator view(String id, String query) {
    Locator v = page.locator("#view-" + id + "[data-loaded=true][data-query='" + query + "']");
    try {
      v.waitFor();
    } catch (com.microsoft.playwright.TimeoutError e) {
      shot("failed-" + id);
      throw new AssertionError("the " + id + " view did not load for '" + query + "'; the page says: "
          + page.textContent("#main") + "; console: " + consoleErrors + consoleStacks, e);
    }
    return v;
  }

  private static BigDecimal tile(Locator view, String id) {
    return new BigDecimal(view.locator("[data-tile=" + id + "]").getAttribute("data-value"));
  }

  private static void assertChart(Locator view, String id) {
    Locator chart = view.locator("[data-chart=" + id + "]");
    assertThat(chart.locator("canvas").count()).as("the " + id + " chart is drawn").isEqualTo(1);
    assertThat(chart.locator("canvas").boundingBox().width).isGreaterThan(300);
    assertThat(chart.locator(".legend-row").count()).as("the " + id + " chart has a legend").isPositive();
    assertThat(chart.locator(".u-axis").count()).isGreaterThanOrEqualTo(2);
  }

  /** Each legend entry's key (the raw group value) and total. */
  private static Map<String, BigDecimal> legend(Locator view, String chart) {
    Map<String, BigDecimal> out = new TreeMap<>();
    for (Locator row : view.locator("[data-chart=" + chart + "] .legend-row").all()) {
      String key = row.getAttribute("data-key");
      out.put(key, new BigDecimal(row.getAttribute("data-total")));
    }
    return out;
  }

  /** Group value (empty for none) to measure, from a usage answer, without groups whose measure is 0. */
  private static Map<String, BigDecimal> sums(JsonNode usage, String group, String measure) {
    Map<String, BigDecimal> out = new TreeMap<>();
    for (JsonNode r : usage.get("rows")) {
      BigDecimal v = r.get(measure).decimalValue();
      if (v.signum() == 0) continue;
      String key = r.get(group).isNull() ? "" : r.get(group).asText();
      out.merge(key, v, BigDecimal::add);
    }
    return out;
  }

  private void shot(String name) {
    page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
