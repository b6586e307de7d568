using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// CrateDB through change as containers, the plan run step by step as Pulumi runs it, deletes last: a node that leaves
/// is decommissioned before its container goes, after the nodes that stay were restarted one at a time for their new
/// crate.yml. What the CrateDB doubles received, across nodes and restarts, is read from their data volumes.
/// </summary>
public sealed class ContainerCrateTests(ITestOutputHelper output)
{
    private const string TwoNodes = "      address: 192.0.2.12\n";
    private const string ThreeNodes = "      address: 192.0.2.12\n      instances:\n        crate: 2\n";

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Two_host_gives_up_a_crate_node_the_others_restart_one_at_a_time_then_it_is_decommissioned_before_its_container_goes()
    {
        var spec = Stacks.Edited("two-host", yaml => yaml.Replace(TwoNodes, ThreeNodes, StringComparison.Ordinal));
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), lab =>
        {
            var stack = ContainerStack.Deploy(lab, spec, out _);
            var staying = new[] { "host1-crate-4200", "host2-crate-4200" };
            var ids = staying.ToDictionary(n => n, n => stack.Inspect(n).Id);
            var since = DateTime.UtcNow;

            var runs = stack.Apply(Stacks.Spec("two-host"));

            output.WriteLine($"two-host gives up host2-crate-4201: {string.Join(", ", runs.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
            var order = runs.Select(r => (r.Change, r.Id)).ToList();
            var decommission = order.IndexOf((StepChangeKind.Delete, "host2-crate-4201-decommission"));
            Assert.True(decommission >= 0, "no decommission ran");
            Assert.True(decommission < order.IndexOf((StepChangeKind.Delete, "host2-crate-4201-container")));
            Assert.True(order.IndexOf((StepChangeKind.Run, "host1-crate-4200-restart")) < order.IndexOf((StepChangeKind.Run, "host2-crate-4200-restart")));
            Assert.True(order.IndexOf((StepChangeKind.Run, "host2-crate-4200-restart")) < decommission);
            Assert.True(order.IndexOf((StepChangeKind.Run, "check-crate-cluster")) < decommission);
            Assert.False(lab.Docker(lab["host2"], "inspect", "host2-crate-4201").Ok, "host2-crate-4201's container is still there");
            Assert.True(lab.Docker(lab["host2"], "volume", "inspect", "host2-crate-4201-data").Ok, "the leaving node's volume went with it");
            // Restarted through their restart policy, not replaced: the same containers, on the same volumes.
            Assert.All(staying, n => Assert.Equal(ids[n], stack.Inspect(n).Id));

            var statements = Changes.Statements(lab, [("host1", "host1-crate-4200"), ("host2", "host2-crate-4200"), ("host2", "host2-crate-4201")], since);
            output.WriteLine(string.Join('\n', statements.Select(s => $"{s.Time:HH:mm:ss.fff} {s.Text}")));
            var key = statements.Select(s => s.Text).Where(s => !s.Contains(" select ", StringComparison.Ordinal)).ToList();
            Assert.Equal(
                [
                    // host1's restart for its new crate.yml (its ready step asks only itself, so nothing there changed).
                    "host1-crate-4200 SET GLOBAL TRANSIENT \"cluster.routing.allocation.enable\" = 'new_primaries'",
                    "host1-crate-4200 RESET GLOBAL \"cluster.graceful_stop.min_availability\"",
                    "host1-crate-4200 ALTER CLUSTER DECOMMISSION 'host1-crate-4200'",
                    "host1-crate-4200 RESET GLOBAL \"cluster.routing.allocation.enable\"",
                    "host2-crate-4200 SET GLOBAL TRANSIENT \"cluster.routing.allocation.enable\" = 'new_primaries'",
                    "host2-crate-4200 RESET GLOBAL \"cluster.graceful_stop.min_availability\"",
                    "host2-crate-4200 ALTER CLUSTER DECOMMISSION 'host2-crate-4200'",
                    "host2-crate-4200 RESET GLOBAL \"cluster.routing.allocation.enable\"",
                    // Last, after every other step: the node that leaves, every shard handed over.
                    "host2-crate-4201 SET GLOBAL TRANSIENT \"cluster.graceful_stop.min_availability\" = 'full'",
                    "host2-crate-4201 ALTER CLUSTER DECOMMISSION 'host2-crate-4201'",
                ],
                key);
            // Each restarted node waited until it was listed again and the cluster green before the next node began.
            var host2Begins = statements.FindIndex(s => s.Text.StartsWith("host2-crate-4200 SET GLOBAL", StringComparison.Ordinal));
            var host1Restored = statements.FindLastIndex(host2Begins, s => s.Text == "host1-crate-4200 RESET GLOBAL \"cluster.routing.allocation.enable\"");
            Assert.Contains(statements.Skip(host1Restored).Take(host2Begins - host1Restored), s => s.Text == "host1-crate-4200 select count(*) from sys.health where health <> 'GREEN'");
            var leaving = statements.FindIndex(s => s.Text.StartsWith("host2-crate-4201 SET GLOBAL", StringComparison.Ordinal));
            Assert.Equal(
                ["host2-crate-4201 select count(*) from sys.nodes", "host2-crate-4201 select name from sys.nodes", "host2-crate-4201 select count(*) from sys.health where health <> 'GREEN'"],
                statements.Take(leaving).Where(s => s.Text.StartsWith("host2-crate-4201 ", StringComparison.Ordinal)).Select(s => s.Text).Distinct());
            return Task.CompletedTask;
        });
    }
}
