package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice keys}: create, list and revoke API keys through the admin API. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create, list and revoke tenants' API keys.",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; its secret is shown once.")
  static final class Create implements Callable<Integer> {
    @Mixin AdminClient.Options admin;

    @Option(names = "--tenant", required = true, paramLabel = "NAME", description = "the tenant it bills")
    String tenant;

    @Option(names = "--name", paramLabel = "NAME", description = "a label, e.g. ci or prod")
    String name;

    @Option(names = "--models", split = ",", paramLabel = "MODEL", description = "the only models it may call (default: all)")
    List<String> models;

    @Option(names = "--expires", paramLabel = "TIME", description = "when it stops working, RFC 3339 (e.g. 2026-12-31T23:59:59Z)")
    String expires;

    @Option(names = "--run-policy", paramLabel = "JSON", description = "limits of the agent runs it makes, which can only "
        + "tighten its tenant's, e.g. '{\"max_calls\":50,\"max_cost_usd\":2}' (see docs/runs.md)")
    String runPolicy;

    @Override
    public Integer call() throws Exception {
      ObjectNode body = Json.MAPPER.createObjectNode().put("tenant", tenant);
      if (name != null) body.put("name", name);
      if (models != null) body.set("models", Json.MAPPER.valueToTree(models));
      if (expires != null) body.put("expires_at", expires);
      if (runPolicy != null) body.set("run_policy", Json.MAPPER.readTree(runPolicy));
      return Cli.run(() -> {
        JsonNode k = admin.client().post("/admin/keys", body);
        System.out.println("created key " + k.path("id").asText() + " for tenant " + tenant);
        System.out.println();
        System.out.println("  " + k.path("key").asText());
        System.out.println();
        System.out.println("This is the only time the secret is shown: store it now. Sluice keeps only a hash of it.");
      });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List a tenant's keys (never their secrets).")
  static final class ListKeys implements Callable<Integer> {
    @Mixin AdminClient.Options admin;

    @Option(names = "--tenant", required = true, paramLabel = "NAME")
    String tenant;

    @Override
    public Integer call() {
      return Cli.run(() -> {
        Table t = new Table(List.of("ID", "NAME", "SECRET", "MODELS", "CREATED", "EXPIRES", "STATUS"));
        for (JsonNode k : admin.client().get("/admin/keys?tenant=" + AdminClient.q(tenant)).path("data")) {
          String status = k.path("active").asBoolean() ? "active" : k.hasNonNull("revoked_at") ? "revoked" : "expired";
          List<String> models = Json.MAPPER.convertValue(k.path("models"), Json.MAPPER.getTypeFactory()
              .constructCollectionType(List.class, String.class));
          t.add(List.of(k.path("id").asText(), k.path("name").asText(), k.path("hint").asText(),
              models.isEmpty() ? "all" : String.join(",", models), k.path("created_at").asText(),
              k.path("expires_at").asText("never"), status));
        }
        if (t.isEmpty()) System.out.println("tenant " + tenant + " has no keys: create one with `sluice keys create --tenant " + tenant + "`");
        else t.print(System.out);
      });
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key at once.")
  static final class Revoke implements Callable<Integer> {
    @Mixin AdminClient.Options admin;

    @Parameters(index = "0", paramLabel = "ID", description = "the key's id (key_...)")
    String id;

    @Override
    public Integer call() {
      return Cli.run(() -> {
        admin.client().delete("/admin/keys/" + AdminClient.q(id));
        System.out.println("revoked key " + id);
      });
    }
  }
}
