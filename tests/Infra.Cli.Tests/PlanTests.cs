using System.Text.Json;
using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

/// <summary>`infra plan`: every step `pulumi up` takes, in order, and `infra diff`'s steps of a change.</summary>
public class PlanTests
{
    [Fact]
    public void Plan_lists_every_step_in_order_with_what_it_waits_for()
    {
        var result = InfraCli.Run("plan", "two-host");

        Assert.True(result.Exit == 0, result.ToString());
        var output = result.Out;
        Assert.StartsWith(
            "two-host: 70 steps, in the order `pulumi up` takes them\n" +
            "rollout (at most 25% of a role down at once, microblog:rollout.maxUnavailable): crate 2, one node at a time; app 2 in 2 waves of 1; haproxy 2 in 2 waves of 1; nginx 2 in 2 waves of 1; lb 1\n" +
            "critical path of a first deploy: 34 steps, 9 ready waits in series, 7 of them in the stateless tiers (steps on separate branches run side by side)\n",
            output);
        Assert.Contains("\n 1. host1-docker (Docker engine on host1): ssh://deploy@192.0.2.11\n", output);
        Assert.Contains("\n 6. host1-nftables-apply (command on host1): opens what the plan wires before any container waits on it; what it no longer wires is withdrawn at the end of the update", output);
        Assert.Contains(". firewalls-opened (command on this machine): every host admits what the plan wires before any container starts; what leaves is gone before anything is withdrawn\n    after: host1-nftables-apply, host2-nftables-apply, front-nftables-apply\n", output);
        Assert.Contains("\n    after: host1-image-app, host1-app-9210-config, host1-prepare-config-dir, host1-prepare-max-map-count, host1-prepare-crate-admin-network, firewalls-opened, crate-app-user\n", output);
        Assert.Contains(". crate-app-user (command on host1): the apps connect as CrateDB user microblog (DQL, DML, DDL on schema doc); its password is the stack's secret microblog:cratePassword\n    after: host2-crate-4200-restart\n", output);
        Assert.Contains("(command on this machine): the front door answers its health path\n", output);
        // Last, after every step nothing else waits for: a destroy deletes it first.
        Assert.Contains("\n70. destroy-guard (command on this machine): runs nothing; a destroy deletes it before anything else, and it refuses unless the stack allows its destroy (microblog:destroy)\n    after: host2-crate-4200-decommission, check-crate-cluster, check-front-door-front-lb\n", output);
        Assert.EndsWith("\noutputs: front door http://192.0.2.10:80/\nnote: {{secret microblog:cratePassword}} stands for the stack's secret microblog:cratePassword (pulumi config set --secret microblog:cratePassword <value>): `pulumi up` fills it in and keeps it encrypted in the state; it is never printed\n", output);
        Assert.True(output.IndexOf("host1-app-9210-container", StringComparison.Ordinal) < output.IndexOf("host2-app-9210-container", StringComparison.Ordinal));
        Assert.DoesNotContain("over ssh", output);
    }

    [Fact]
    public void Plan_from_the_deployed_stack_states_the_data_consequence_and_refuses_a_change_that_drops_it()
    {
        var grown = InfraCli.Run("plan", "three-host", "--from", "two-host");
        Assert.True(grown.Exit == 0, grown.ToString());
        Assert.StartsWith(
            "\nAccess, in order:\n" +
            "  open on host1: haproxy_hosts 192.0.2.13; app_hosts 192.0.2.13; crate_hosts 192.0.2.13 (added to the rules in force; nothing is withdrawn before the end of the update)\n" +
            "  open on host2: haproxy_hosts 192.0.2.13; app_hosts 192.0.2.13; crate_hosts 192.0.2.13 (added to the rules in force; nothing is withdrawn before the end of the update)\n" +
            "  then every new or replaced container\n" +
            "  withdraw on host1: nothing (nft -f loads the whole new ruleset; it admits all the old one did)\n",
            grown.Out);
        Assert.Contains("\nCrateDB data, in order:\n  host3-crate-4200 joins the cluster (shards move to it as CrateDB rebalances)\nthree-host: ", grown.Out);

        using var project = new TempProject()
            .WithStack("three-host", TempProject.CommittedStack("three-host"))
            .WithStack("moved", TempProject.CommittedStack("three-host").Replace("name: host1", "name: host4", StringComparison.Ordinal)
                .Replace("name: host2", "name: host5", StringComparison.Ordinal).Replace("name: host3", "name: host6", StringComparison.Ordinal));
        var moved = project.Run("plan", "moved", "--from", "three-host");
        Assert.True(moved.Exit == 1, moved.ToString());
        Assert.Contains("error: refused: every CrateDB node (host1-crate-4200, host2-crate-4200, host3-crate-4200) leaves in this change, and every table with them", moved.Error);
        Assert.DoesNotContain("steps, in the order", moved.Out);
    }

    [Fact]
    public void Plan_with_scripts_prints_each_commands_shell_text_and_each_containers_spec()
    {
        var result = InfraCli.Run("plan", "two-host", "--scripts");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("    over ssh deploy@192.0.2.12:22: docker kill --signal=USR2 -- 'host2-haproxy'\n", result.Out);
        Assert.Contains("    mount volume host1-crate-4200-data at /data\n", result.Out);
        Assert.Contains("    docker: --name host2-app-9210 --network host --restart unless-stopped --user 10001:10001 --cap-drop NET_RAW\n", result.Out);
        Assert.Contains("    health: CMD curl -sS -o /dev/null http://192.0.2.11:4200/ (every 2s, 3 tries)\n", result.Out);
        Assert.Contains("    here: for i in $(seq 1 30); do code=$(curl", result.Out);
        // The user step reads its statements, with the password, from stdin: the plan shows where it comes from, never a value.
        Assert.Contains("docker run --rm -i --network microblog-admin --cap-drop NET_RAW --entrypoint sh \"$image\" -c 'IFS= read -r create && IFS= read -r alter", result.Out);
        Assert.Contains("    stdin: {{secret microblog:cratePassword}} (pulumi up fills it in from the stack's secret config; never printed)\n", result.Out);
        Assert.Contains("    over ssh deploy@192.0.2.12:22, when the step is deleted (it leaves the stack, or a new version replaced it; at the end of the update): [ \"$(docker inspect -f '{{.State.Running}}' -- 'host2-crate-4200' 2>/dev/null)\" = true ]", result.Out);
        Assert.DoesNotContain("    over ssh deploy@192.0.2.12:22: \n", result.Out);
    }

    [Fact]
    public void Plan_json_has_every_step_with_its_kind_and_what_it_runs()
    {
        var result = InfraCli.Run("plan", "dev", "--json");

        Assert.True(result.Exit == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal("localhost-docker", steps[0].GetProperty("id").GetString());
        Assert.Equal("unix:///var/run/docker.sock", steps[0].GetProperty("endpoint").GetString());
        var crate = steps.Single(s => s.GetProperty("id").GetString() == "localhost-crate-4200-container");
        Assert.Equal("container", crate.GetProperty("kind").GetString());
        Assert.Equal("/crate/config/crate.yml", crate.GetProperty("container").GetProperty("mounts")[0].GetProperty("target").GetString());
        var write = steps.Single(s => s.GetProperty("id").GetString() == "localhost-crate-4200-config");
        Assert.Contains("path.data: /data/data", write.GetProperty("stdin").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, write.GetProperty("ssh").ValueKind);
    }

    [Fact]
    public void An_invalid_stack_plans_nothing_and_says_why()
    {
        using var project = new TempProject().WithStack("broken", TempProject.CommittedStack("two-host").Replace("192.0.2.12", "192.0.2.300"));

        var result = project.Run("plan", "broken");

        Assert.Equal(1, result.Exit);
        Assert.Empty(result.Out);
        Assert.Contains("microblog:hosts[1].address", result.Error);
    }

    [Fact]
    public void Diff_of_a_new_app_image_shows_the_rollout_one_app_at_a_time()
    {
        using var project = new TempProject()
            .WithStack("prod", TempProject.CommittedStack("two-host"))
            .WithStack("next", TempProject.CommittedStack("two-host").Replace("microblog/app:1.0.0", "microblog/app:1.1.0"));

        var result = project.Run("diff", "prod", "next");

        Assert.Equal(1, result.Exit);
        var steps = result.Out[result.Out.IndexOf("pulumi up, in order", StringComparison.Ordinal)..].Split('\n').Skip(1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(
        [
            "  replace         host1-image-app            pull registry.example.com/microblog/app:1.1.0 on host1 (was registry.example.com/microblog/app:1.0.0)",
            "  replace         host2-image-app            pull registry.example.com/microblog/app:1.1.0 on host2 (was registry.example.com/microblog/app:1.0.0)",
            "  replace         host1-app-9210-container   replace host1-app-9210 (image registry.example.com/microblog/app:1.0.0 -> registry.example.com/microblog/app:1.1.0), after every step before it in the rollout",
            "  update          host1-app-9210-ready       wait until host1-app-9210 is ready again (its container is new or replaced; at once when only the wait changed)",
            "  replace         host2-app-9210-container   replace host2-app-9210 (image registry.example.com/microblog/app:1.0.0 -> registry.example.com/microblog/app:1.1.0), after every step before it in the rollout",
            "  update          host2-app-9210-ready       wait until host2-app-9210 is ready again (its container is new or replaced; at once when only the wait changed)",
            "  update          check-crate-cluster        check again: every CrateDB node (2) has joined the cluster",
            "  update          check-front-door-front-lb  check again: the front door answers its health path",
        ], steps);
    }

    [Fact]
    public void Diff_json_lists_the_steps_a_change_runs()
    {
        var result = InfraCli.Run("diff", "two-host", "three-host", "--json");

        using var json = JsonDocument.Parse(result.Out);
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().Select(s => $"{s.GetProperty("change").GetString()} {s.GetProperty("id").GetString()}").ToList();
        Assert.Contains("run host1-haproxy-reload", steps);
        Assert.Contains("create host3-app-9210-container", steps);
        Assert.True(steps.IndexOf("create host3-crate-4200-ready") < steps.IndexOf("create host3-app-9210-container"));
    }
}
