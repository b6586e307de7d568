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

    /// <summary>`POST /containers/create` with <see cref="DockerApi"/>'s body, on the engine an engine step names.</summary>
    ShellResult CreateContainer(EngineStep engine, ContainerSpec spec);
}

/// <summary>One step the runner took, and how long it took.</summary>
public sealed record StepRun(string Id, StepChangeKind Change, string? Host, TimeSpan Took)
{
    /// <summary>What a command step printed (stdout, then stderr); empty for other steps.</summary>
    public string Output { get; init; } = "";
}

/// <summary>
/// What the hosts run, as Pulumi's state would record it: each step's version last applied, in the order it was
/// applied, and the old versions of replaced steps whose delete has not run yet (an update failed before its end).
/// </summary>
public sealed record RunnerState(IReadOnlyList<Step> Steps, IReadOnlyList<Step> Pending)
{
    public static readonly RunnerState Empty = new([], []);
}

/// <summary>
/// Test support, not a second deployment engine: runs a stack's plan step by step as `pulumi up` would. What runs is what
/// <see cref="PlanChanges"/> says changes between the state and the plan, in its order: the plan's, one step at a time
/// (a valid order of what Pulumi runs side by side), then the deletions as Pulumi schedules them (a created or changed
/// command runs its script; a changed container is stopped, removed and created from its spec through the Engine API
/// with <see cref="DockerApi"/>, as Pulumi's Docker provider does; a volume is created; an image must be on its host, since the lab's stand-ins carry the stack's
/// image names; a deleted command, or the old version of one replaced, runs the delete script it was applied with).
/// Like Pulumi's state, <see cref="State"/> records each step as it succeeds: after a failure, the next
/// <see cref="Apply"/> takes up from there, as a second `pulumi up` does.
/// </summary>
public sealed class PlanRunner(IDeployTarget target, Action<string> note)
{
    /// <summary>The last plan applied in full.</summary>
    public DeploymentPlan? Applied { get; private set; }

    public RunnerState State { get; private set; } = RunnerState.Empty;

    /// <summary>Takes up where an earlier run left off: what the hosts run now, and the last plan applied in full (`infra lab apply`).</summary>
    public void Resume(RunnerState state, DeploymentPlan? applied)
    {
        State = state;
        Applied = applied;
    }

    /// <summary>How many steps run at once: Pulumi's default for `pulumi up --parallel`, four per CPU.</summary>
    public int Parallel { get; init; } = Environment.ProcessorCount * 4;

    /// <summary>
    /// Runs what changed, as `pulumi up` does: every step as soon as each step it depends on is done (up to
    /// <see cref="Parallel"/> at once), then the deletions one by one in Pulumi's order. On a failure no new step starts,
    /// the running ones finish, and <see cref="State"/> keeps what succeeded.
    /// </summary>
    public IReadOnlyList<StepRun> Apply(DeploymentPlan plan)
    {
        // A step renamed with an alias is the same resource under its new id, as in Pulumi's state.
        State = new RunnerState(PlanChanges.Aliased(State.Steps, plan.Steps), PlanChanges.Aliased(State.Pending, plan.Steps));
        var engines = State.Steps.Concat(plan.Steps).OfType<EngineStep>().GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.Last());
        var changes = PlanChanges.Compare(State.Steps, State.Pending, plan.Steps, NewImageIds(plan, engines));
        var before = State.Steps.ToDictionary(s => s.Id);
        var applied = State.Steps.ToDictionary(s => s.Id);
        var order = State.Steps.Select(s => s.Id).ToList();
        var pending = State.Pending.ToList();
        // The old versions this update replaces and deletes at its end: pending once their replacement is made.
        var retiring = changes.Where(c => c.Change == StepChangeKind.Retire && c.Before is null).Select(c => c.Step).Except(pending).ToDictionary(s => s.Id);
        // The old versions deleted just before their container's removal (delete-before-replace), by container.
        var first = changes.Where(c => c.Before is not null).ToLookup(c => c.Before!);
        var containers = plan.Steps.OfType<ContainerStep>().ToDictionary(c => c.Id);
        var runs = new List<StepRun>();
        var clock = Stopwatch.StartNew();
        var gate = new object();

        void Record(StepChange change, TimeSpan took, string output)
        {
            lock (gate)
            {
                var step = change.Step;
                switch (change.Change)
                {
                    case StepChangeKind.Delete:
                        applied.Remove(step.Id);
                        break;
                    case StepChangeKind.Retire:
                        pending.Remove(step);
                        break;
                    default:
                        if (!applied.ContainsKey(step.Id))
                        {
                            order.Add(step.Id);
                        }

                        if (retiring.Remove(step.Id, out var old))
                        {
                            pending.Add(old);
                        }

                        applied[step.Id] = step;
                        break;
                }

                State = new RunnerState(order.Where(applied.ContainsKey).Select(id => applied[id]).ToList(), pending.ToList());
                var run = new StepRun(step.Id, change.Change, step.Host, took) { Output = output };
                runs.Add(run);
                note($"{change.Change.ToString().ToLowerInvariant(),-7} {run.Id} on {run.Host ?? "the operator's machine"}: {run.Took.TotalSeconds:F1} s (at {clock.Elapsed.TotalSeconds:F1} s)");
            }
        }

        void Run(StepChange change)
        {
            if (change is { Step: ContainerStep, Change: StepChangeKind.Replace })
            {
                foreach (var early in first[change.Step.Id])
                {
                    Run(early);
                }
            }

            var started = clock.Elapsed;
            var output = Take(change, engines, before, containers);
            Record(change, clock.Elapsed - started, output);
        }

        RunSideBySide(plan.Steps, changes.Where(c => c.Change is not (StepChangeKind.Delete or StepChangeKind.Retire)).ToDictionary(c => c.Step.Id), Run);
        foreach (var change in changes.Where(c => c.Change is StepChangeKind.Delete or StepChangeKind.Retire && c.Before is null))
        {
            Run(change);
        }

        // Steps the plan keeps unchanged are recorded as the plan has them (Pulumi writes every registered resource anew).
        State = new RunnerState(plan.Steps.ToList(), pending.ToList());
        Applied = plan;
        return runs;
    }

    /// <summary>
    /// Runs `pulumi destroy`: no plan, every step the state holds deleted (and every old version still pending), in the
    /// order <see cref="PlanChanges.Destroy"/> gives, Pulumi's, one at a time, each with the delete script it was applied
    /// with; a step skipped on destroy (a node's decommission and guard) runs nothing, as Pulumi skips what is deleted with its topology.
    /// On a failure no further step runs and <see cref="State"/> keeps what is left, as Pulumi's state does.
    /// </summary>
    public IReadOnlyList<StepRun> Destroy()
    {
        var changes = PlanChanges.Destroy(State.Steps, State.Pending);
        var engines = State.Steps.OfType<EngineStep>().ToDictionary(e => e.Id);
        var before = State.Steps.ToDictionary(s => s.Id);
        var containers = State.Steps.OfType<ContainerStep>().ToDictionary(c => c.Id);
        var runs = new List<StepRun>();
        var clock = Stopwatch.StartNew();
        foreach (var change in changes)
        {
            var started = clock.Elapsed;
            var output = change.Step is CommandStep { SkippedOnDestroy: true } ? "" : Take(change, engines, before, containers);
            State = change.Change == StepChangeKind.Retire
                ? State with { Pending = State.Pending.Where(p => !ReferenceEquals(p, change.Step)).ToList() }
                : State with { Steps = State.Steps.Where(s => s.Id != change.Step.Id).ToList() };
            var run = new StepRun(change.Step.Id, change.Change, change.Step.Host, clock.Elapsed - started) { Output = output };
            runs.Add(run);
            note($"destroy {run.Id} on {run.Host ?? "the operator's machine"}: {run.Took.TotalSeconds:F1} s (at {clock.Elapsed.TotalSeconds:F1} s)");
        }

        Applied = null;
        return runs;
    }

    /// <summary>
    /// Each step of the plan once every step it depends on is done, up to <see cref="Parallel"/> changes at once; the first
    /// failure stops new ones. A step that does not change is done as soon as what it depends on is, as Pulumi's
    /// registration of an unchanged resource waits for its dependencies: so a chain orders what it links even where
    /// a link in it does not change.
    /// </summary>
    private void RunSideBySide(IReadOnlyList<Step> steps, IReadOnlyDictionary<string, StepChange> changes, Action<StepChange> run)
    {
        var ids = steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var waiting = steps.ToDictionary(s => s.Id, s => s.DependsOn.Where(ids.Contains).ToHashSet(StringComparer.Ordinal));
        var dependents = steps.SelectMany(s => waiting[s.Id].Select(d => (Dependency: d, Dependent: s.Id)))
            .ToLookup(x => x.Dependency, x => x.Dependent);
        var ready = new List<string>(steps.Where(s => waiting[s.Id].Count == 0).Select(s => s.Id));
        var running = new List<(Task Task, string Id)>();
        Exception? failure = null;
        var position = steps.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
        while (running.Count > 0 || (ready.Count > 0 && failure is null))
        {
            // In the plan's order among those free to start, as Pulumi registers them; an unchanged step takes no slot.
            foreach (var id in failure is null ? ready.OrderBy(id => position[id]).ToList() : [])
            {
                var changing = changes.TryGetValue(id, out var change);
                if (changing && running.Count(r => r.Task != Task.CompletedTask) >= Parallel)
                {
                    continue;
                }

                ready.Remove(id);
                running.Add((changing ? Task.Run(() => run(change!)) : Task.CompletedTask, id));
            }

            var finished = Task.WaitAny([.. running.Select(r => r.Task)]);
            var (task, done) = running[finished];
            running.RemoveAt(finished);
            if (task.Exception is { } error)
            {
                failure ??= error.InnerException ?? error;
                continue;
            }

            foreach (var dependent in dependents[done])
            {
                if (waiting[dependent].Remove(done) && waiting[dependent].Count == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        if (waiting.Values.Any(w => w.Count > 0))
        {
            throw new InvalidOperationException($"steps wait for each other in a cycle: {string.Join(", ", waiting.Where(w => w.Value.Count > 0).Select(w => w.Key))}");
        }
    }

    /// <summary>Takes one step; returns what a command printed.</summary>
    private string Take(StepChange change, IReadOnlyDictionary<string, EngineStep> engines, IReadOnlyDictionary<string, Step> applied, IReadOnlyDictionary<string, ContainerStep> containers)
    {
        if (change is { Step: CommandStep { RunsAgainWhen: var marks } withIds, Change: not (StepChangeKind.Delete or StepChangeKind.Retire) } && marks.Any(m => ContainerIds.In(m).Count > 0))
        {
            // What Pulumi fills in from the Container's id: the id the engine gave the container that runs now (a delete
            // script is sent the stdin it was applied with, which its script does not read either).
            string IdOf(string step) =>
                Check(target.Docker(engines[containers[step].Engine], ["container", "inspect", "--format", "{{.Id}}", containers[step].Spec.Name]), withIds.Id).Stdout.Trim();
            change = change with { Step = withIds with { RunsAgainWhen = marks.Select(m => ContainerIds.Fill(m, IdOf)).ToEquatableArray() } };
        }

        switch (change.Step, change.Change)
        {
            case (CommandStep command, StepChangeKind.Run) when applied.TryGetValue(command.Id, out var was):
                var script = PlanChanges.ScriptOnChange((CommandStep)was, command);
                return script.Length > 0 ? Printed(Check(target.Run(command with { Script = script }), command.Id)) : "";
            case (CommandStep { Delete: { } delete } command, StepChangeKind.Delete or StepChangeKind.Retire):
                // The delete script it was applied with, with the stdin it was applied with (the provider keeps both).
                return Printed(Check(target.Run(command with { Script = delete }), command.Id));
            case (CommandStep { Script.Length: > 0 } command, StepChangeKind.Create or StepChangeKind.Replace or StepChangeKind.Run):
                return Printed(Check(target.Run(command), command.Id));
            case (ImageStep image, StepChangeKind.Create or StepChangeKind.Replace):
                var inspect = target.Docker(engines[image.Engine], ["image", "inspect", "--format", "{{.Id}}", image.Image]);
                if (!inspect.Ok)
                {
                    throw new InvalidOperationException($"{image.Id}: {image.Image} is not on {image.Host}: the lab loads its stand-in images under the stack's image names ({inspect})");
                }

                break;
            case (VolumeStep volume, StepChangeKind.Create or StepChangeKind.Replace):
                Check(target.Docker(engines[volume.Engine], ["volume", "create", volume.Name]), volume.Id);
                break;
            case (VolumeStep { RetainOnDelete: false } volume, StepChangeKind.Delete):
                // The provider drops it only when the stack said so (microblog:destroy.volumes: delete); its container is gone by now.
                Check(target.Docker(engines[volume.Engine], ["volume", "rm", volume.Name]), volume.Id);
                break;
            case (ContainerStep container, var kind):
                var engine = engines[container.Engine];
                // A container a failed update already removed is not there to stop (Pulumi's state would have dropped it).
                if (kind is StepChangeKind.Replace or StepChangeKind.Delete && target.Docker(engine, ["container", "inspect", container.Spec.Name]).Ok)
                {
                    // Delete before replace: host networking, so the old container must free its ports first. Stopped on
                    // its image's stop signal first, as the provider stops it for destroyGraceSeconds, then removed.
                    Check(target.Docker(engine, ["stop", "--time", container.StopGraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), container.Spec.Name]), container.Id);
                    Check(target.Docker(engine, ["rm", "--force", container.Spec.Name]), container.Id);
                }

                if (kind is StepChangeKind.Create or StepChangeKind.Replace)
                {
                    Check(target.CreateContainer(engine, container.Spec), container.Id);
                    Check(target.Docker(engine, ["start", container.Spec.Name]), container.Id);
                }

                break;
        }

        return "";
    }

    /// <summary>
    /// The containers the plan keeps whose image has a new id under the same name: as under Pulumi, where a container's
    /// image input is its RemoteImage's id, each is replaced. Read from each engine: the image id the container was created
    /// from, and the id its image's name has now.
    /// </summary>
    private HashSet<string> NewImageIds(DeploymentPlan plan, IReadOnlyDictionary<string, EngineStep> engines)
    {
        var kept = State.Steps.OfType<ContainerStep>().ToDictionary(c => c.Id);
        var newIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var onEngine in plan.Steps.OfType<ContainerStep>().Where(c => kept.TryGetValue(c.Id, out var was) && was.Spec == c.Spec).GroupBy(c => c.Engine))
        {
            var steps = onEngine.ToList();
            var running = target.Docker(engines[onEngine.Key], ["container", "inspect", "--format", "{{.Image}}", .. steps.Select(c => c.Spec.Name)]);
            var images = target.Docker(engines[onEngine.Key], ["image", "inspect", "--format", "{{.Id}}", .. steps.Select(c => c.Spec.Image)]);
            if (!running.Ok || !images.Ok)
            {
                // A container or image a failed update left missing: the plan's comparison decides, as before.
                continue;
            }

            var from = running.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var now = images.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (from.Length != steps.Count || now.Length != steps.Count)
            {
                throw new InvalidOperationException($"the engine {onEngine.Key} named {from.Length} image ids for {steps.Count} containers and {now.Length} for their images");
            }

            newIds.UnionWith(steps.Where((c, i) => from[i].Trim() != now[i].Trim()).Select(c => c.Id));
        }

        return newIds;
    }

    private static string Printed(ShellResult result) => result.Stdout + result.Stderr;

    private static ShellResult Check(ShellResult result, string step) =>
        result.Ok ? result : throw new InvalidOperationException($"step {step} failed: {result}");
}
