using System.Diagnostics;
using Infra.Topology;
using Infra.Topology.Plan;

namespace Infra.Lab.Containers;

/// <summary>Where the runner's steps go: commands to hosts (or the operator's machine), docker commands to engines.</summary>
public interface IDeployTarget
{
    /// <summary>A command step's script, exactly as written, over SSH as the stack's user (stdin attached), or on the operator's machine.</summary>
    ShellResult Run(CommandStep step);

    /// <summary>The docker CLI against the engine an engine step names.</summary>
    ShellResult Docker(EngineStep engine, IReadOnlyList<string> args);
}

/// <summary>One step the runner took, and how long it took.</summary>
public sealed record StepRun(string Id, StepChangeKind Change, string? Host, TimeSpan Took);

/// <summary>
/// Test support, not a second deployment engine: runs a stack's plan step by step, in the plan's order, as Pulumi's
/// resources would. What runs again is what <see cref="PlanChanges"/> says changed since the last plan applied
/// (a created or changed command runs its script; a created or changed container is removed and created from its
/// spec with <see cref="DockerCli"/>; a volume is created; an image must be on its host, since the lab's stand-ins
/// carry the stack's image names). One step at a time: a valid order of what Pulumi runs side by side. Deleted steps go
/// last, a step before the steps it waited for, as Pulumi deletes; a deleted command runs its delete script (the one of
/// the plan applied before, as Pulumi runs the one it stored), so a CrateDB node leaving is decommissioned here too.
/// </summary>
public sealed class PlanRunner(IDeployTarget target, Action<string> note)
{
    public DeploymentPlan? Applied { get; private set; }

    /// <summary>Takes up where an earlier run left off: <paramref name="applied"/> is what the hosts run now (`infra lab apply`).</summary>
    public void Resume(DeploymentPlan applied) => Applied = applied;

    public IReadOnlyList<StepRun> Apply(DeploymentPlan plan)
    {
        var before = Applied ?? new DeploymentPlan(plan.Stack, EquatableArray<HostPlan>.Empty, EquatableArray<Step>.Empty, plan.Outputs);
        var engines = before.Steps.Concat(plan.Steps).OfType<EngineStep>().GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.Last());
        var commandsBefore = before.Steps.OfType<CommandStep>().ToDictionary(c => c.Id);
        var runs = new List<StepRun>();
        var clock = Stopwatch.StartNew();
        foreach (var change in PlanChanges.Compare(before, plan))
        {
            var started = clock.Elapsed;
            Take(change, engines, commandsBefore);
            var run = new StepRun(change.Step.Id, change.Change, change.Step.Host, clock.Elapsed - started);
            runs.Add(run);
            note($"{change.Change.ToString().ToLowerInvariant(),-7} {run.Id} on {run.Host ?? "the operator's machine"}: {run.Took.TotalSeconds:F1} s");
        }

        Applied = plan;
        return runs;
    }

    private void Take(StepChange change, IReadOnlyDictionary<string, EngineStep> engines, IReadOnlyDictionary<string, CommandStep> commandsBefore)
    {
        switch (change.Step, change.Change)
        {
            case (CommandStep command, StepChangeKind.Run) when commandsBefore.TryGetValue(command.Id, out var was):
                var script = PlanChanges.ScriptOnChange(was, command);
                if (script.Length > 0)
                {
                    Check(target.Run(command with { Script = script }), command.Id);
                }

                break;
            case (CommandStep { Script.Length: > 0 } command, not StepChangeKind.Delete):
                Check(target.Run(command), command.Id);
                break;
            case (CommandStep { Delete: { } delete } command, StepChangeKind.Delete):
                Check(target.Run(command with { Script = delete, Stdin = null }), command.Id);
                break;
            case (ImageStep image, not StepChangeKind.Delete):
                var inspect = target.Docker(engines[image.Engine], ["image", "inspect", "--format", "{{.Id}}", image.Image]);
                if (!inspect.Ok)
                {
                    throw new InvalidOperationException($"{image.Id}: {image.Image} is not on {image.Host}: the lab loads its stand-in images under the stack's image names ({inspect})");
                }

                break;
            case (VolumeStep volume, StepChangeKind.Create or StepChangeKind.Replace):
                Check(target.Docker(engines[volume.Engine], ["volume", "create", volume.Name]), volume.Id);
                break;
            case (ContainerStep container, var kind):
                var engine = engines[container.Engine];
                if (kind is StepChangeKind.Replace or StepChangeKind.Delete)
                {
                    // Delete before replace: host networking, so the old container must free its ports first.
                    Check(target.Docker(engine, ["rm", "--force", container.Spec.Name]), container.Id);
                }

                if (kind is StepChangeKind.Create or StepChangeKind.Replace)
                {
                    Check(target.Docker(engine, DockerCli.CreateArguments(container.Spec)), container.Id);
                    Check(target.Docker(engine, ["start", container.Spec.Name]), container.Id);
                }

                break;
        }
    }

    private static void Check(ShellResult result, string step)
    {
        if (!result.Ok)
        {
            throw new InvalidOperationException($"step {step} failed: {result}");
        }
    }
}
