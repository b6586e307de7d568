using Infra.Topology.Plan;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>`pulumi destroy`: refused until the stack allows it, then every step deleted in Pulumi's order, no node decommissioned.</summary>
public class DestroyTests
{
    private static string Allow(string text, string volumes = "keep") =>
        text.Replace("config:\n", $"config:\n  microblog:destroy:\n    allowed: true\n    volumes: {volumes}\n", StringComparison.Ordinal);

    [Fact]
    public void The_setting_is_read_and_a_bad_value_is_an_error_at_its_key()
    {
        Assert.False(Repo.Spec("three-host").Destroy.Allowed);
        Assert.Equal(new(true, true), Repo.TopologyEdited("three-host", t => Allow(t, "delete")).Spec.Destroy);

        var bad = Repo.LoadEdited("three-host", t => t.Replace("config:\n", "config:\n  microblog:destroy:\n    allowed: yes please\n    volumes: wipe\n    force: true\n", StringComparison.Ordinal));

        var errors = bad.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("stacks/Pulumi.three-host.yaml:5:14: error: microblog:destroy.allowed: \"yes please\" is not `true` or `false`", errors);
        Assert.Contains("stacks/Pulumi.three-host.yaml:6:14: error: microblog:destroy.volumes: \"wipe\" is not `keep` (the CrateDB volumes and their data stay on the hosts) or `delete`", errors);
        Assert.Contains(errors, e => e.Contains("microblog:destroy.force: unknown key", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void The_guard_waits_for_every_other_step_so_a_destroy_deletes_it_first(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));
        var guard = (CommandStep)plan.Step(StepGraph.DestroyGuardStep);

        var reached = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(guard.DependsOn);
        while (todo.TryPop(out var id))
        {
            if (reached.Add(id))
            {
                foreach (var next in plan.Step(id).DependsOn)
                {
                    todo.Push(next);
                }
            }
        }

        Assert.Equal(plan.Steps.Select(s => s.Id).Where(id => id != guard.Id).Order(StringComparer.Ordinal), reached.Order(StringComparer.Ordinal));
        Assert.Equal("", guard.Script);
        Assert.Null(guard.Ssh);
        Assert.Equal(guard.Id, PlanChanges.Destroy(plan.Steps, [])[0].Step.Id);
    }

    [Fact]
    public void Without_the_setting_the_guard_refuses_saying_what_to_write_and_with_it_lets_the_destroy_go()
    {
        var refused = Tools.Run("sh", "-c", ((CommandStep)Planner.Plan(Repo.Topology("three-host")).Step(StepGraph.DestroyGuardStep)).Delete!);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
            "refused: stack three-host does not allow its destroy, which takes every container away and the CrateDB cluster's data with it. Nothing was deleted. " +
            "To destroy it, write `microblog:destroy: {allowed: true}` in its stack file (`volumes: delete` too to drop the CrateDB volumes; they are kept otherwise), run `pulumi up`, then `pulumi destroy`\n",
            refused.Output);

        var allowed = Tools.Run("sh", "-c", ((CommandStep)Planner.Plan(Repo.TopologyEdited("three-host", t => Allow(t))).Step(StepGraph.DestroyGuardStep)).Delete!);
        Assert.Equal(0, allowed.ExitCode);
        Assert.Contains("the CrateDB volumes are kept", allowed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destroy_deletes_each_step_before_what_it_depends_on_decommissions_nothing_and_keeps_volumes_unless_asked()
    {
        var plan = Planner.Plan(Repo.TopologyEdited("three-host", t => Allow(t)));

        var destroy = PlanChanges.Destroy(plan.Steps, []);

        Assert.Equal(plan.Steps.Count, destroy.Count);
        Assert.All(destroy, c => Assert.Equal(StepChangeKind.Delete, c.Change));
        var position = destroy.Select((c, i) => (c.Step.Id, i)).ToDictionary(x => x.Id, x => x.i);
        Assert.All(plan.Steps, s => Assert.All(s.DependsOn, d => Assert.True(position[s.Id] < position[d], $"{s.Id} goes before {d}")));
        Assert.Equal(
            "nothing runs: host3-crate-4200 goes with its whole cluster, not decommissioned (it would have no node to hand its shards to)",
            destroy.Single(c => c.Step.Id == "host3-crate-4200-decommission").Effect);
        // A node's decommission and its guard (its ready step, whose delete is a graceful stop) are skipped: the whole cluster goes.
        bool NodeGone(CommandStep s) => s.Purpose == CommandPurpose.Decommission || (s.Purpose == CommandPurpose.Ready && s.Id.Contains("-crate-", StringComparison.Ordinal));
        Assert.Equal(6, plan.Steps.OfType<CommandStep>().Count(NodeGone));
        Assert.All(plan.Steps.OfType<CommandStep>().Where(NodeGone), s => Assert.True(s.SkippedOnDestroy));
        Assert.All(plan.Steps.OfType<CommandStep>().Where(s => !NodeGone(s)), s => Assert.False(s.SkippedOnDestroy));
        Assert.Equal(
            "nothing runs: host1-crate-4200 goes with its whole cluster, not stopped gracefully (no node is left to hand its shards to)",
            destroy.Single(c => c.Step.Id == "host1-crate-4200-ready").Effect);
        Assert.Equal(
            "forget volume host1-crate-4200-data on host1: it is kept, with its data, until an operator drops it",
            destroy.Single(c => c.Step.Id == "host1-crate-4200-data").Effect);

        var dropped = PlanChanges.Destroy(Planner.Plan(Repo.TopologyEdited("three-host", t => Allow(t, "delete"))).Steps, []);
        Assert.Equal("delete volume host1-crate-4200-data on host1, and its data", dropped.Single(c => c.Step.Id == "host1-crate-4200-data").Effect);
    }

    [Fact]
    public void An_update_that_removes_a_node_still_decommissions_it_with_its_refusals_whatever_the_setting()
    {
        var before = Planner.Plan(Repo.TopologyEdited("three-host", t => Allow(t)));
        var after = Planner.Plan(Repo.TopologyEdited("three-host", t => Allow(t).Replace("    - name: host3\n      address: 192.0.2.13\n", "", StringComparison.Ordinal)));

        var changes = PlanChanges.Compare(before, after);

        var gone = changes.Single(c => c.Step.Id == "host3-crate-4200-decommission");
        Assert.Equal(StepChangeKind.Delete, gone.Change);
        Assert.StartsWith("host3-crate-4200 leaves the cluster: decommissioned", gone.Effect, StringComparison.Ordinal);
        Assert.Contains("refused: host3-crate-4200 is the last CrateDB node", ((CommandStep)gone.Step).Delete, StringComparison.Ordinal);
        // The guard stays: only a destroy deletes it.
        Assert.DoesNotContain(changes, c => c.Step.Id == StepGraph.DestroyGuardStep);
    }
}
