using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>
/// What a change does to the CrateDB cluster: the nodes that join, the nodes that leave (in the order they are
/// decommissioned: the last in rollout order first), and why the change is refused when it would drop data or the
/// cluster's master. A node leaves when its name goes: its host removed, the node count lowered, a layout that moves it.
/// </summary>
public sealed record ClusterChange(IReadOnlyList<string> Joining, IReadOnlyList<string> Leaving, IReadOnlyList<string> Refusals)
{
    public bool Refused => Refusals.Count > 0;

    public static ClusterChange Between(StackTopology before, StackTopology after)
    {
        var oldNodes = before.Of(Role.Crate).Select(n => n.Name).ToList();
        var newNodes = after.Of(Role.Crate).Select(n => n.Name).ToList();
        var joining = newNodes.Where(n => !oldNodes.Contains(n)).ToList();
        var leaving = oldNodes.Where(n => !newNodes.Contains(n)).Reverse().ToList();
        var refusals = new List<string>();
        if (oldNodes.Count > 0 && leaving.Count == oldNodes.Count)
        {
            refusals.Add(
                $"every CrateDB node ({string.Join(", ", oldNodes)}) leaves in this change, and every table with them" +
                (joining.Count > 0 ? $"; the new nodes ({string.Join(", ", joining)}) would start a cluster of their own. " : ". ") +
                "Do it in steps: first a stack that runs the new nodes alongside the old ones (after them in host order, so the old " +
                "master-eligible nodes stay the ones every node finds), then remove the old nodes");
        }

        var masters = CrateConfig.MasterEligible(before).Select(n => n.Name).ToList();
        var stillMasters = CrateConfig.MasterEligible(after).Select(n => n.Name).ToHashSet();
        var lost = masters.Where(m => !stillMasters.Contains(m)).ToList();
        var quorum = masters.Count / 2 + 1;
        var spare = masters.Count - quorum;
        if (lost.Count > spare)
        {
            refusals.Add(
                $"{string.Join(", ", lost)} {(lost.Count == 1 ? "is" : "are")} no longer master-eligible after this change: " +
                $"{masters.Count - lost.Count} of the {masters.Count} master-eligible nodes ({string.Join(", ", masters)}) would remain, " +
                $"fewer than the {quorum} it takes to elect a master. " +
                (spare == 0
                    ? $"A cluster of {masters.Count} master-eligible {(masters.Count == 1 ? "node" : "nodes")} cannot lose one in an update: first add master-eligible nodes (microblog:crate.masterNodes, more CrateDB hosts), then remove"
                    : $"Do it in steps: remove at most {spare} of them per update ({string.Join(", then ", lost.Chunk(spare).Select(c => string.Join(" and ", c)))})"));
        }

        return new ClusterChange(joining, leaving, refusals);
    }

    /// <summary>What the change does to the data, in order, in an operator's words.</summary>
    public IEnumerable<string> Consequences()
    {
        foreach (var node in Joining)
        {
            yield return $"{node} joins the cluster (shards move to it as CrateDB rebalances)";
        }

        foreach (var node in Leaving)
        {
            yield return $"{node} leaves the cluster: decommissioned" +
                (Joining.Count == 0 ? "" : $" after {string.Join(" and ", Joining)} {(Joining.Count == 1 ? "joins" : "join")}") +
                ", its shards moved to the other nodes before its container goes";
        }
    }
}
