using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>
/// What `pulumi preview` shows for each resource, worked out here from the providers' own diff rules, is what `infra diff`
/// says (<see cref="PlanChanges.PulumiVerb"/>); and a step is replaced only where a replacement is real.
/// </summary>
public class PreviewTests
{
    /// <summary>
    /// The committed stacks' usual changes: a host added (two-host's file read as three-host), a new app image, a config
    /// value (CrateDB's heap), a rollout setting, a layout switch (single-host's picture on the same host as two services).
    /// </summary>
    public static TheoryData<string> Changes => new(UsualChanges.Keys);

    private static readonly Dictionary<string, Func<(DeploymentPlan Before, DeploymentPlan After)>> UsualChanges = new()
    {
        ["a host added"] = () => (
            Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadYaml(File.ReadAllText(Repo.StackFile("two-host")), "stacks/Pulumi.three-host.yaml", "three-host").Spec!)),
            Planner.Plan(Repo.Topology("three-host"))),
        ["a new app image"] = () => (
            Planner.Plan(Repo.Topology("two-host")),
            Planner.Plan(Repo.TopologyEdited("two-host", y => y.Replace("app:1.0.0", "app:1.0.1", StringComparison.Ordinal)))),
        ["a config value"] = () => (
            Planner.Plan(Repo.Topology("three-host")),
            Planner.Plan(Repo.TopologyEdited("three-host", y => y.Replace("heapSize: 2g", "heapSize: 3g", StringComparison.Ordinal)))),
        ["an admin network"] = () => (
            Planner.Plan(Repo.Topology("split-role")),
            Planner.Plan(Repo.TopologyEdited("split-role", y => y.Replace("203.0.113.0/24", "198.51.100.0/24", StringComparison.Ordinal)))),
        ["a layout switch"] = () => (
            Planner.Plan(Repo.Topology("dev")),
            Planner.Plan(Repo.TopologyEdited("dev", y => y.Replace("microblog:layout: dev", "microblog:layout: single-host", StringComparison.Ordinal)))),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Infra_diff_says_for_each_resource_the_operation_the_providers_diff_rules_give(string change)
    {
        var (before, after) = UsualChanges[change]();
        var changes = PlanChanges.Compare(before, after);
        Assert.NotEmpty(changes);

        var old = before.Steps.ToDictionary(s => s.Id);
        var shown = changes.Where(c => c.Change != StepChangeKind.Retire).ToDictionary(c => c.Step.Id, c => PlanChanges.PulumiVerb(c.Change));
        var replacedContainers = after.Steps.OfType<ContainerStep>()
            .Where(c => old.TryGetValue(c.Id, out var was) && Operation(was, c, new HashSet<string>()) == "replace").Select(c => c.Id).ToHashSet();
        var expected = after.Steps
            .Select(s => (s.Id, Op: old.TryGetValue(s.Id, out var was) ? Operation(was, s, replacedContainers) : "create"))
            .Concat(before.Steps.Where(s => !after.Steps.Any(a => a.Id == s.Id)).Select(s => (s.Id, Op: (string?)"delete")))
            .Where(s => s.Op is not null)
            .ToDictionary(s => s.Id, s => s.Op!);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), shown.OrderBy(e => e.Key, StringComparer.Ordinal));
        // The old version of each replaced command with a delete script goes at the end: Pulumi's delete-replaced; one replaced
        // with its container (delete-before-replace) just before the container's replacement.
        Assert.All(changes.Where(c => c.Change == StepChangeKind.Retire), c => Assert.Equal("replace", shown[c.Step.Id]));
        Assert.All(changes.Where(c => c.Before is not null), c =>
        {
            Assert.Contains(c.Before!, replacedContainers);
            Assert.Equal(changes.ToList().IndexOf(c) + 1, changes.ToList().FindIndex(r => r.Step.Id == c.Before && r.Change == StepChangeKind.Replace));
        });
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_usual_change_replaces_only_containers_whose_spec_changed_firewalls_their_gate_and_the_guards_of_replaced_nodes(string change)
    {
        var (before, after) = UsualChanges[change]();

        var changes = PlanChanges.Compare(before, after);
        var replaced = changes.Where(c => c.Change == StepChangeKind.Replace).Select(c => c.Step).ToList();

        Assert.All(replaced, step => Assert.True(
            step is ContainerStep or ImageStep || step is CommandStep { Purpose: CommandPurpose.ApplyFirewall or CommandPurpose.Gate } or CommandStep { Purpose: CommandPurpose.Ready, Delete: not null },
            $"{change}: {step.Id} is replaced"));
        var nodes = replaced.OfType<ContainerStep>().Where(c => c.Spec.Image.StartsWith("crate", StringComparison.Ordinal)).Select(c => c.Service).Order().ToList();
        Assert.Equal(nodes, replaced.OfType<CommandStep>().Where(s => s.Purpose == CommandPurpose.Ready).Select(s => s.Service).Order());
        // Each replaced node stops gracefully (its guard's old version goes) just before its container does.
        Assert.Equal(nodes, changes.Where(c => c.Before is not null).Select(c => c.Step.Service).Order());
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void No_step_whose_delete_acts_is_replaced_by_a_trigger_unless_its_delete_is_meant_to_run_on_replacement(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        foreach (var step in plan.Steps.OfType<CommandStep>())
        {
            // A trigger replaces the step: its old version's delete runs. Only a firewall's delete (load the whole new ruleset)
            // and a node's guard (its graceful stop, whose only trigger is its own container's id: it is replaced only with
            // the container) are meant to; a node's decommission must run only when the node leaves.
            var guard = step is { Purpose: CommandPurpose.Ready } && step.Triggers.Count == 1
                && ContainerIds.In(step.Triggers[0]).SequenceEqual([step.After.Single()]) && step.Triggers[0] == ((ContainerStep)plan.Step(step.After.Single())).IdPlaceholder;
            if (step.Delete is not null)
            {
                Assert.True(step.Triggers.Count == 0 || step.Purpose == CommandPurpose.ApplyFirewall || guard, $"{step.Id}: triggers and an acting delete");
            }

            // What replaces a step is only what makes a replacement real: a ruleset (two versions), the gate ordering their
            // retirement, a container's replacement for a node's guard. Every other step runs again as an update.
            Assert.True(step.Triggers.Count == 0 || step.Purpose is CommandPurpose.ApplyFirewall or CommandPurpose.Gate || guard, $"{step.Id}: replaced by its triggers");
        }

        Assert.All(plan.Steps.OfType<CommandStep>().Where(s => s.Purpose == CommandPurpose.Decommission), s => Assert.Empty(s.Triggers));
    }

    [Fact]
    public void The_values_that_make_a_step_run_again_travel_after_its_stdin_which_its_script_does_not_read()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        var restart = (CommandStep)plan.Step("host1-app-9210-restart");
        var appConf = plan.Hosts.SelectMany(h => h.Files).Single(f => f.HostPath.EndsWith("/app-9210/app.conf", StringComparison.Ordinal) && f.File.Host == "host1");
        Assert.Equal([appConf.Sha256], restart.RunsAgainWhen);
        Assert.Equal(restart.Stdin + appConf.Sha256 + "\n", restart.StdinSent);
        var reload = (CommandStep)plan.Step("host1-nginx-reload");
        Assert.Null(reload.Stdin);
        Assert.Equal(string.Concat(reload.RunsAgainWhen.Select(h => h + "\n")), reload.StdinSent);
        // None of the scripts that get them reads its stdin: no `read`, no `cat` without a file, no `docker ... -i`.
        foreach (var step in plan.Steps.OfType<CommandStep>().Where(s => s.RunsAgainWhen.Count > 0))
        {
            Assert.DoesNotContain(" read ", step.Script, StringComparison.Ordinal);
            Assert.DoesNotContain(" -i ", step.Script, StringComparison.Ordinal);
            Assert.DoesNotContain("@-", step.Script, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Pulumi's operation for a resource whose old and new inputs are these, by the providers' rules: pulumi-command's
    /// `triggers` is replaceOnChanges, its other inputs (create, update, delete, stdin, connection) update it; every
    /// input of a Docker container, image and volume this plan sets forces a new resource (Terraform's ForceNew); the
    /// Docker provider's host replaces it. A command whose inputs carry the id of a container replaced here is diffed with
    /// that input unknown (Pulumi's dependent replacements): in its triggers a replace, on its stdin an update. Null: no change.
    /// </summary>
    private static string? Operation(Step was, Step now, IReadOnlySet<string> replacedContainers) => (was, now) switch
    {
        (CommandStep a, CommandStep b) when !a.Triggers.Equals(b.Triggers) || Carries(b.Triggers, replacedContainers) => "replace",
        (CommandStep, CommandStep b) when Carries(b.RunsAgainWhen, replacedContainers) => "update",
        (CommandStep a, CommandStep b) when a.Script != b.Script || a.Update != b.Update || a.Delete != b.Delete || a.StdinSent != b.StdinSent || a.Ssh != b.Ssh => "update",
        (CommandStep, CommandStep) => null,
        (ContainerStep a, ContainerStep b) => a.Spec == b.Spec && a.ImageStep == b.ImageStep ? null : "replace",
        (ImageStep a, ImageStep b) => a.Image == b.Image ? null : "replace",
        (VolumeStep a, VolumeStep b) => a.Name == b.Name ? null : "replace",
        (EngineStep a, EngineStep b) => a.Endpoint == b.Endpoint ? null : "replace",
        _ => throw new InvalidOperationException($"{now.Id} changed kind"),
    };

    private static bool Carries(IEnumerable<string> values, IReadOnlySet<string> containers) =>
        values.Any(v => containers.Any(c => v.Contains(ContainerIds.Placeholder(c), StringComparison.Ordinal)));
}
