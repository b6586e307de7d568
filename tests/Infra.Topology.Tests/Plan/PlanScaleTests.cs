using Infra.Topology.Plan;
using Infra.Topology.Tests.Configs;

namespace Infra.Topology.Tests.Plan;

/// <summary>What keeps a step's size from growing with the stack (how fast the plan is: bench/, the growth part).</summary>
public class PlanScaleTests
{
    [Fact]
    public void A_crate_node_is_looked_for_through_itself_and_the_master_eligible_nodes_only()
    {
        // two-host has host1 and host2; three more hosts make five CrateDB nodes, the first three master-eligible.
        var five = CrateConfigTests.Edited("two-host", yaml => yaml + string.Concat(Enumerable.Range(3, 3).Select(i => $"    - name: host{i}\n      address: 192.0.2.1{i}\n")));

        var script = ((CommandStep)Planner.Plan(five).Step("host4-crate-4200-ready")).Script;

        Assert.Contains(
            "for url in '\\''http://192.0.2.14:4200/_sql'\\'' '\\''http://192.0.2.11:4200/_sql'\\'' '\\''http://192.0.2.12:4200/_sql'\\'' '\\''http://192.0.2.13:4200/_sql'\\''; do",
            script,
            StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.15", script, StringComparison.Ordinal);
    }
}
