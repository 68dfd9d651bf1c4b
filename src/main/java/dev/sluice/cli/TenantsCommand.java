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

/** {@code sluice tenants}: create and list tenants through the admin API. */
@Command(name = "tenants", mixinStandardHelpOptions = true, description = "Create and list tenants (through a running gateway's admin API).",
    subcommands = {TenantsCommand.Create.class, TenantsCommand.ListTenants.class})
final class TenantsCommand {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant.")
  static final class Create implements Callable<Integer> {
    @Mixin AdminClient.Options admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "the tenant's name (letters, digits, '_', '.', '-')")
    String name;

    @Option(names = "--plan", paramLabel = "JSON", description = "its pricing plan as JSON, e.g. '{\"type\":\"markup\",\"percent\":20}'")
    String plan;

    @Override
    public Integer call() throws Exception {
      ObjectNode body = Json.MAPPER.createObjectNode().put("name", name);
      if (plan != null) body.set("plan", Json.MAPPER.readTree(plan));
      return Cli.run(() -> {
        JsonNode t = admin.client().post("/admin/tenants", body);
        System.out.println("created tenant " + t.path("name").asText() + " (" + t.path("id").asText() + ")");
      });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List tenants.")
  static final class ListTenants implements Callable<Integer> {
    @Mixin AdminClient.Options admin;

    @Override
    public Integer call() {
      return Cli.run(() -> {
        Table t = new Table(List.of("NAME", "ID", "PLAN", "CREATED"));
        for (JsonNode n : admin.client().get("/admin/tenants").path("data")) {
          t.add(List.of(n.path("name").asText(), n.path("id").asText(),
              n.has("plan") ? n.get("plan").toString() : "pass-through", n.path("created_at").asText()));
        }
        if (t.isEmpty()) System.out.println("no tenants yet: create one with `sluice tenants create NAME`");
        else t.print(System.out);
      });
    }
  }
}
