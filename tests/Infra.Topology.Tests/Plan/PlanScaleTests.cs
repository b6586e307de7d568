using Infra.Topology.Plan;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>What keeps a step's size from growing with the stack (how fast the plan is: bench/, the growth part).</summary>
public class PlanScaleTests
{
    [Fact]
    public void A_crate_node_is_looked_for_through_itself_only_at_its_hosts_admin_gateway_whatever_the_cluster_size()
    {
        // two-host has host1 and host2; three more hosts make five CrateDB nodes, the first three master-eligible.
        var five = Repo.TopologyEdited("two-host", yaml => yaml + string.Concat(Enumerable.Range(3, 3).Select(i => $"    - name: host{i}\n      address: 192.0.2.1{i}\n")));

        var script = ((CommandStep)Planner.Plan(five).Step("host4-crate-4200-ready")).Script;
        var asSuperuser = script.Split("--network microblog-admin", 2)[1];

        Assert.Contains("-X POST '\\''http://169.254.77.1:4200/_sql'\\''", asSuperuser, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.1", asSuperuser, StringComparison.Ordinal);
        Assert.Equal(
            ((CommandStep)Planner.Plan(Repo.TopologyEdited("two-host", yaml => yaml + "    - name: host3\n      address: 192.0.2.13\n    - name: host4\n      address: 192.0.2.14\n")).Step("host4-crate-4200-ready")).Script.Length,
            script.Length);
    }
}
