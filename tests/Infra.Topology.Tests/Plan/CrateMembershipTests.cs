using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>CrateDB through change: nodes that leave are decommissioned one at a time, config and image changes restart nodes as CrateDB's rolling upgrade does.</summary>
public class CrateMembershipTests
{
    private const string Host3 = "    - name: host3\n      address: 192.0.2.13\n";

    [Fact]
    public void Each_node_has_a_decommission_step_that_runs_nothing_until_it_leaves_and_waits_for_the_node_before()
    {
        var plan = Planner.Plan(Repo.Topology("three-host"));

        var steps = new[] { "host1", "host2", "host3" }.Select(h => (CommandStep)plan.Step($"{h}-crate-4200-decommission")).ToList();
        Assert.All(steps, s => Assert.Equal("", s.Script));
        Assert.All(steps, s => Assert.Equal(CommandPurpose.Decommission, s.Purpose));
        Assert.Equal(["host1-crate-4200-restart"], steps[0].After);
        Assert.Equal(["host2-crate-4200-restart", "host1-crate-4200-decommission"], steps[1].After);
        Assert.Equal(["host3-crate-4200-restart", "host2-crate-4200-decommission"], steps[2].After);
    }

    [Fact]
    public void A_nodes_delete_script_refuses_or_waits_for_green_then_hands_over_every_shard_and_waits_until_its_process_ended()
    {
        var delete = ((CommandStep)Planner.Plan(Repo.Topology("three-host")).Step("host3-crate-4200-decommission")).Delete!;

        var order = new[]
        {
            "[ \"$(docker inspect -f '{{.State.Running}}' -- 'host3-crate-4200' 2>/dev/null)\" = true ]",
            "--network microblog-admin --cap-drop NET_RAW --entrypoint sh \"$image\" -c 'n=$(for url in '\\''http://169.254.77.1:4200/_sql'\\''; do",
            "select count(*) from sys.nodes",
            "refused: host3-crate-4200 is the last CrateDB node",
            "for m in '\\''\"host1-crate-4200\"'\\'' '\\''\"host2-crate-4200\"'\\''; do",
            "[ $left -ge 2 ]",
            "select count(*) from sys.health where health <> '\\''\\'\\'''\\''GREEN'\\''\\'\\'''\\''",
            "docker update --restart=no -- 'host3-crate-4200'",
            "SET GLOBAL TRANSIENT \\\"cluster.graceful_stop.min_availability\\\" = '\\''\\'\\'''\\''full'\\''\\'\\'''\\''",
            "ALTER CLUSTER DECOMMISSION '\\''\\'\\'''\\''host3-crate-4200'\\''\\'\\'''\\''",
            "docker update --restart=unless-stopped -- 'host3-crate-4200'",
            "[ \"$(docker inspect -f '{{.State.Running}}' -- 'host3-crate-4200')\" = false ]",
        };
        InOrder(delete, order);
        // Nothing is asked of the other nodes (a host that leaves is no longer admitted by their new firewall rules):
        // only the leaving node, at its own host's admin gateway, where the superuser is trusted.
        Assert.DoesNotContain("192.0.2.1", delete, StringComparison.Ordinal);
    }

    [Fact]
    public void Removing_a_host_decommissions_its_node_after_every_other_step_and_before_its_container_goes()
    {
        var three = Planner.Plan(Repo.Topology("three-host"));
        var two = Planner.Plan(Repo.TopologyEdited("three-host", yaml => yaml.Replace(Host3, "", StringComparison.Ordinal)));

        var changes = PlanChanges.Compare(three, two).ToList();

        var ids = changes.Select(c => (c.Change, c.Step.Id)).ToList();
        var decommission = ids.IndexOf((StepChangeKind.Delete, "host3-crate-4200-decommission"));
        Assert.True(decommission > 0);
        Assert.True(decommission < ids.IndexOf((StepChangeKind.Delete, "host3-crate-4200-container")));
        Assert.True(decommission < ids.IndexOf((StepChangeKind.Delete, "host3-crate-4200-ready")));
        Assert.All(changes.Where(c => c.Change is not (StepChangeKind.Delete or StepChangeKind.Retire)), c => Assert.True(changes.IndexOf(c) < decommission, $"{c.Step.Id} after the decommission"));
        // The remaining hosts admit host3 until it has left and its container is gone: only then is host3 withdrawn.
        foreach (var host in new[] { "host1", "host2" })
        {
            var withdrawal = changes.Single(c => c.Change == StepChangeKind.Retire && c.Step.Id == $"{host}-nftables-apply");
            Assert.True(changes.IndexOf(withdrawal) > ids.IndexOf((StepChangeKind.Delete, "host3-crate-4200-container")), $"{host} withdraws host3 before its node is gone");
            Assert.Equal($"withdraw on {host}: haproxy_hosts 192.0.2.13; app_hosts 192.0.2.13; crate_hosts 192.0.2.13 (nft -f loads the whole new ruleset, once every container and node that leaves is gone)", withdrawal.Effect);
        }
        Assert.Equal(
            "host3-crate-4200 leaves the cluster: decommissioned (once every table is green, ALTER CLUSTER DECOMMISSION with every shard handed over to the other nodes; " +
            "refused, changing nothing, if it is the last node or its leaving costs the master-eligible nodes their majority), before its container goes; one node at a time",
            changes[decommission].Effect);
        // The nodes that stay see a new crate.yml (two master-eligible nodes now): each restarts, one after the other, before the removal.
        Assert.True(ids.IndexOf((StepChangeKind.Run, "host1-crate-4200-restart")) < ids.IndexOf((StepChangeKind.Run, "host2-crate-4200-restart")));
        Assert.True(ids.IndexOf((StepChangeKind.Run, "host2-crate-4200-restart")) < decommission);

        var cluster = ClusterChange.Between(Repo.Topology("three-host"), Repo.TopologyEdited("three-host", yaml => yaml.Replace(Host3, "", StringComparison.Ordinal)));
        Assert.Empty(cluster.Refusals);
        Assert.Equal(["host3-crate-4200 leaves the cluster: decommissioned, its shards moved to the other nodes before its container goes"], cluster.Consequences());
    }

    [Fact]
    public void A_node_moving_to_a_new_host_leaves_only_after_the_new_one_joins_in_words_and_in_order()
    {
        var before = Repo.Topology("three-host");
        var after = Repo.TopologyEdited("three-host", yaml => yaml.Replace(Host3, "    - name: host4\n      address: 192.0.2.14\n", StringComparison.Ordinal));

        var cluster = ClusterChange.Between(before, after);
        var changes = PlanChanges.Compare(Planner.Plan(before), Planner.Plan(after)).ToList();

        Assert.Empty(cluster.Refusals);
        Assert.Equal(
            [
                "host4-crate-4200 joins the cluster (shards move to it as CrateDB rebalances)",
                "host3-crate-4200 leaves the cluster: decommissioned after host4-crate-4200 joins, its shards moved to the other nodes before its container goes",
            ],
            cluster.Consequences());
        var ids = changes.Select(c => c.Step.Id).ToList();
        Assert.True(ids.IndexOf("host4-crate-4200-ready") < ids.IndexOf("host3-crate-4200-decommission"));
        Assert.StartsWith("host3-crate-4200 leaves the cluster: decommissioned after host4-crate-4200 joins (once every table is green", changes.Single(c => c.Step.Id == "host3-crate-4200-decommission").Effect, StringComparison.Ordinal);
    }

    [Fact]
    public void Switching_three_host_to_split_role_on_the_same_hosts_is_refused_with_the_steps_to_take()
    {
        var splitRole = Repo.LoadEdited("three-host", yaml => yaml
            .Replace("microblog:layout: colocated", "microblog:layout: split-role", StringComparison.Ordinal)
            .Replace("address: 192.0.2.11\n", "address: 192.0.2.11\n      roles: [proxy]\n", StringComparison.Ordinal)
            .Replace("address: 192.0.2.12\n", "address: 192.0.2.12\n      roles: [app]\n", StringComparison.Ordinal)
            .Replace("address: 192.0.2.13\n", "address: 192.0.2.13\n      roles: [crate]\n", StringComparison.Ordinal));
        Assert.True(splitRole.Ok, string.Join("\n", splitRole.Errors));

        var cluster = ClusterChange.Between(Repo.Topology("three-host"), TopologyResolver.Resolve(splitRole.Spec!));

        Assert.Equal(["host2-crate-4200", "host1-crate-4200"], cluster.Leaving);
        Assert.Equal(
            [
                "host1-crate-4200, host2-crate-4200 are no longer master-eligible after this change: 1 of the 3 master-eligible nodes " +
                "(host1-crate-4200, host2-crate-4200, host3-crate-4200) would remain, fewer than the 2 it takes to elect a master. " +
                "Do it in steps: remove at most 1 of them per update (host1-crate-4200, then host2-crate-4200)",
            ],
            cluster.Refusals);
    }

    [Fact]
    public void Moving_every_node_at_once_is_refused_since_every_table_would_leave_with_them()
    {
        var moved = Repo.TopologyEdited("three-host", yaml => yaml
            .Replace("name: host1", "name: host4", StringComparison.Ordinal)
            .Replace("name: host2", "name: host5", StringComparison.Ordinal)
            .Replace("name: host3", "name: host6", StringComparison.Ordinal));

        var cluster = ClusterChange.Between(Repo.Topology("three-host"), moved);

        Assert.Equal(2, cluster.Refusals.Count);
        Assert.Equal(
            "every CrateDB node (host1-crate-4200, host2-crate-4200, host3-crate-4200) leaves in this change, and every table with them; " +
            "the new nodes (host4-crate-4200, host5-crate-4200, host6-crate-4200) would start a cluster of their own. Do it in steps: first a stack " +
            "that runs the new nodes alongside the old ones (after them in host order, so the old master-eligible nodes stay the ones every node finds), then remove the old nodes",
            cluster.Refusals[0]);
    }

    [Fact]
    public void Lowering_single_hosts_crate_count_is_refused_since_two_master_eligible_nodes_cannot_lose_one()
    {
        var one = Repo.TopologyEdited("single-host", yaml => yaml.Replace("crate: 2", "crate: 1", StringComparison.Ordinal));

        var cluster = ClusterChange.Between(Repo.Topology("single-host"), one);

        Assert.Equal(["localhost-crate-4201"], cluster.Leaving);
        Assert.Equal(
            [
                "localhost-crate-4201 is no longer master-eligible after this change: 1 of the 2 master-eligible nodes (localhost-crate-4200, localhost-crate-4201) " +
                "would remain, fewer than the 2 it takes to elect a master. A cluster of 2 master-eligible nodes cannot lose one in an update: " +
                "first add master-eligible nodes (microblog:crate.masterNodes, more CrateDB hosts), then remove",
            ],
            cluster.Refusals);
    }

    [Fact]
    public void A_changed_crate_yml_restarts_each_node_as_the_rolling_upgrade_does_one_after_the_other()
    {
        var two = Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadYaml(File.ReadAllText(Repo.StackFile("two-host")), "stacks/Pulumi.three-host.yaml", "three-host").Spec!));
        var three = Planner.Plan(Repo.Topology("three-host"));

        var runs = PlanChanges.Compare(two, three).Where(c => c.Change == StepChangeKind.Run && c.Step.Id.EndsWith("-crate-4200-restart", StringComparison.Ordinal)).Select(c => c.Step.Id);

        Assert.Equal(["host1-crate-4200-restart", "host2-crate-4200-restart"], runs);
        var restart = (CommandStep)three.Step("host1-crate-4200-restart");
        Assert.Equal(["host1-crate-4200-config", "host1-crate-4200-ready"], restart.After);
        Assert.Contains("host1-crate-4200-restart", PlanGraphTests.Upstream(three, "host2-crate-4200-container"));
        var order = new[]
        {
            "stat -c %Y '/etc/microblog/three-host/crate-4200/crate.yml'",
            "SET GLOBAL TRANSIENT \\\"cluster.routing.allocation.enable\\\" = '\\''\\'\\'''\\''new_primaries'\\''\\'\\'''\\''",
            "RESET GLOBAL \\\"cluster.graceful_stop.min_availability\\\"",
            "ALTER CLUSTER DECOMMISSION '\\''\\'\\'''\\''host1-crate-4200'\\''\\'\\'''\\''",
            "[ \"$(docker inspect -f '{{.State.StartedAt}}' -- 'host1-crate-4200')\" != \"$started\" ]",
            "[ \"$(docker inspect -f '{{.State.Health.Status}}' -- 'host1-crate-4200')\" = healthy ]",
            "select name from sys.nodes",
            "RESET GLOBAL \\\"cluster.routing.allocation.enable\\\"",
            "select count(*) from sys.health where health <> ",
        };
        InOrder(restart.Script, order);
    }

    [Fact]
    public void A_new_crate_image_stops_each_node_gracefully_before_its_container_is_replaced()
    {
        var now = Planner.Plan(Repo.Topology("two-host"));
        var next = Planner.Plan(Repo.TopologyEdited("two-host", yaml => yaml.Replace("  microblog:images:\n", "  microblog:images:\n    crate: crate:6.0.9\n", StringComparison.Ordinal)));

        var changes = PlanChanges.Compare(now, next).Where(c => c.Step.Service?.Contains("crate", StringComparison.Ordinal) == true)
            .Select(c => $"{c.Change} {c.Step.Id}").ToList();

        Assert.Equal(
            [
                // The guard's trigger (the container's id) replaces it with the container, as Pulumi does: its old version's
                // delete (the graceful stop) just before the container goes, its create (rejoin) once the new one runs.
                "Retire host1-crate-4200-ready", "Replace host1-crate-4200-container", "Replace host1-crate-4200-ready",
                "Retire host2-crate-4200-ready", "Replace host2-crate-4200-container", "Replace host2-crate-4200-ready",
            ],
            changes);
        var guard = (CommandStep)now.Step("host2-crate-4200-ready");
        Assert.Equal([((ContainerStep)now.Step("host2-crate-4200-container")).IdPlaceholder], guard.Triggers);
        Assert.StartsWith("if [ \"$(docker inspect -f '{{.State.Running}}' -- 'host2-crate-4200' 2>/dev/null)\" = true ]; then started=", guard.Delete, StringComparison.Ordinal);
        Assert.Contains("RESET GLOBAL", guard.Script, StringComparison.Ordinal);
        Assert.Contains("host1-crate-4200-restart", next.Step("host2-crate-4200-container").After);
    }

    [Fact]
    public void A_container_replaced_for_a_reason_the_plan_does_not_model_goes_through_its_nodes_graceful_stop_and_rejoin()
    {
        var now = Planner.Plan(Repo.Topology("two-host"));

        // The same plan, host2's node with a new image id under the same tag (a tag pulled again, as Pulumi's RemoteImage sees it).
        var changes = PlanChanges.Compare(now.Steps, [], now.Steps, new HashSet<string> { "host2-crate-4200-container" });

        Assert.Equal(["Retire host2-crate-4200-ready", "Replace host2-crate-4200-container", "Replace host2-crate-4200-ready"],
            changes.Select(c => $"{c.Change} {c.Step.Id}"));
        Assert.Equal("host2-crate-4200-container", changes[0].Before);
        Assert.Contains("has a new id on host2", changes[1].Effect, StringComparison.Ordinal);
        // An app's ready wait carries its container's id on its stdin: a replaced app container runs it again (an update).
        var apps = PlanChanges.Compare(now.Steps, [], now.Steps, new HashSet<string> { "host1-app-9210-container" });
        Assert.Equal(["Replace host1-app-9210-container", "Run host1-app-9210-ready"], apps.Select(c => $"{c.Change} {c.Step.Id}"));
        Assert.Equal("update", PlanChanges.PulumiVerb(apps[1].Change));
    }

    [Fact]
    public void A_single_node_is_restarted_plainly_since_no_other_node_could_take_its_shards()
    {
        var plan = Planner.Plan(Repo.Topology("dev"));

        var stop = ((CommandStep)plan.Step("localhost-crate-4200-ready")).Delete;
        var restart = (CommandStep)plan.Step("localhost-crate-4200-restart");

        Assert.Equal("echo 'localhost-crate-4200 is the only node: no other node to hand its shards to, its replacement stops it'", stop);
        Assert.Contains("then docker restart -- 'localhost-crate-4200' >/dev/null && (", restart.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("DECOMMISSION", restart.Script, StringComparison.Ordinal);
        Assert.Contains("select count(*) from sys.health", restart.Script, StringComparison.Ordinal);
    }

    /// <summary>Each part found in <paramref name="text"/> after the one before it.</summary>
    private static void InOrder(string text, IEnumerable<string> parts)
    {
        var from = 0;
        foreach (var part in parts)
        {
            var at = text.IndexOf(part, from, StringComparison.Ordinal);
            Assert.True(at >= 0, $"not found after position {from}: {part}");
            from = at + part.Length;
        }
    }
}
