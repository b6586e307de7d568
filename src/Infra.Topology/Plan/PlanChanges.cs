using Infra.Topology.Configs;

namespace Infra.Topology.Plan;

/// <summary>What an update does to one step.</summary>
public enum StepChangeKind
{
    /// <summary>A new step: the resource is created (a command runs for the first time).</summary>
    Create,

    /// <summary>A command whose script, stdin (or what makes it run again) changed: it runs again, an update under Pulumi.</summary>
    Run,

    /// <summary>
    /// A container, image, volume or engine that changed: deleted and created anew; or a command whose triggers changed:
    /// the new version is created here (its create runs) and the old one deleted at the end (<see cref="Retire"/>, where
    /// it has a delete script).
    /// </summary>
    Replace,

    /// <summary>A step the new plan no longer has: the resource is deleted, after everything else.</summary>
    Delete,

    /// <summary>The old version of a step replaced in this update (or in one that failed before its end): its delete script runs, with the deletions.</summary>
    Retire,
}

/// <summary>One step an update touches, and what that does to the running system in an operator's words. For <see cref="StepChangeKind.Retire"/>, the old version.</summary>
public sealed record StepChange(Step Step, StepChangeKind Change, string Effect)
{
    /// <summary>
    /// For the old version of a step replaced with its container (its triggers carry the container's id): the container
    /// step whose removal it precedes. Pulumi deletes it before the container, which is delete-before-replace, not at the end.
    /// </summary>
    public string? Before { get; init; }
}

/// <summary>
/// What going from what the hosts run to a new plan runs, replaces, creates and deletes, in the order `pulumi up` takes:
/// the new plan's order (each step after the steps it waits for), then the deletions as Pulumi schedules them. Pulumi
/// deletes what left the program, and the old version of each resource it replaced by creating the new one first, at the
/// end of the update, a resource only once every resource being deleted that depends on it directly is gone (its
/// `ScheduleDeletes`). Within a round, where Pulumi deletes side by side, this order takes the old plan's forward order
/// (firewalls before containers): whatever the dependencies do not order is shown, and run by the lab, in the order that
/// would hurt, never in one that would hide a missing dependency.
/// </summary>
public static class PlanChanges
{
    public static IReadOnlyList<StepChange> Compare(DeploymentPlan before, DeploymentPlan after) => Compare(before.Steps, [], after.Steps);

    /// <param name="state">Each step's version the hosts run, as Pulumi's state records it, in the order it was applied.</param>
    /// <param name="pending">Old versions of replaced steps whose delete has not run yet: an update failed before its end.</param>
    /// <param name="after">The new plan's steps, in order.</param>
    /// <param name="newImageIds">
    /// Container steps whose spec is the same but whose image has a new id under the same name (Pulumi: the RemoteImage's
    /// id, the Container's image input): replaced all the same, for a reason the plan does not model.
    /// </param>
    public static IReadOnlyList<StepChange> Compare(IReadOnlyList<Step> state, IReadOnlyList<Step> pending, IReadOnlyList<Step> after, IReadOnlySet<string>? newImageIds = null)
    {
        state = Aliased(state, after);
        pending = Aliased(pending, after);
        var old = state.ToDictionary(s => s.Id);
        var current = after.Select(s => s.Id).ToHashSet();
        newImageIds ??= new HashSet<string>();
        // Containers replaced in this update: a step that carries one's id follows it (Pulumi makes that input unknown).
        var replaced = after.OfType<ContainerStep>()
            .Where(c => old.TryGetValue(c.Id, out var was) && (((ContainerStep)was).Spec != c.Spec || newImageIds.Contains(c.Id)))
            .Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        // The old versions of steps replaced with their container, deleted just before it.
        var first = new Dictionary<string, List<StepChange>>(StringComparer.Ordinal);
        var changes = new List<StepChange>();
        // What Pulumi deletes at the end: resources that left, and old versions of replaced ones (with what the delete runs).
        var condemned = new List<(Step Step, StepChangeKind Kind)>(pending.Select(p => (p, StepChangeKind.Retire)));
        foreach (var step in after)
        {
            if (!old.TryGetValue(step.Id, out var was))
            {
                changes.Add(new StepChange(step, StepChangeKind.Create, Created(step)));
                continue;
            }

            var follows = step is CommandStep command ? Follows(command, replaced) : null;
            if (follows is not null && step is CommandStep guard && guard.Triggers.Any(t => ContainerIds.In(t).Contains(follows)))
            {
                changes.Add(new StepChange(step, StepChangeKind.Replace, Ran(guard)));
                if (was is CommandStep { Delete: not null } retired)
                {
                    first.TryAdd(follows, []);
                    first[follows].Add(new StepChange(was, StepChangeKind.Retire, Retired(retired, after)) { Before = follows });
                }

                continue;
            }

            var change = Changed(was, step) ?? (step switch
            {
                ContainerStep container when replaced.Contains(container.Id) =>
                    new StepChange(step, StepChangeKind.Replace, $"replace {container.Service} (its image {container.Spec.Image} has a new id on {container.Host}), after every step before it in the rollout"),
                CommandStep runsAgain when follows is not null => new StepChange(step, StepChangeKind.Run, Ran(runsAgain)),
                _ => null,
            });
            if (change is null)
            {
                continue;
            }

            changes.Add(change);
            if (CreatedBeforeDeleted(was, step))
            {
                condemned.Add((was, StepChangeKind.Retire));
            }
        }

        // Each early deletion just before its container's replacement, as `pulumi up` runs them.
        changes = changes.SelectMany(c => first.TryGetValue(c.Step.Id, out var before) ? before.Append(c) : [c]).ToList();

        condemned.AddRange(state.Where(s => !current.Contains(s.Id)).Select(s => (s, StepChangeKind.Delete)));

        // The nodes that join in this update: their decommission steps are new.
        var joining = after.OfType<CommandStep>().Where(s => s.Purpose == CommandPurpose.Decommission && !old.ContainsKey(s.Id)).Select(s => s.Service!).ToList();
        var order = state.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
        foreach (var (step, kind) in Schedule(condemned, id => order.GetValueOrDefault(id, -1)))
        {
            if (kind == StepChangeKind.Delete)
            {
                changes.Add(new StepChange(step, kind, Deleted(step, joining)));
            }
            else if (step is CommandStep { Delete: not null } retired)
            {
                // Only an old version with a delete script does anything when it goes.
                changes.Add(new StepChange(step, kind, Retired(retired, after)));
            }
        }

        return changes;
    }

    /// <summary>The replaced container whose id the command's triggers or what runs it again carry, if any.</summary>
    private static string? Follows(CommandStep step, IReadOnlySet<string> replaced) =>
        step.Triggers.Concat(step.RunsAgainWhen).SelectMany(ContainerIds.In).FirstOrDefault(replaced.Contains);

    /// <summary>
    /// What `pulumi destroy` does to what the hosts run: no program runs; every resource in the state, and every old version
    /// still pending, is deleted as Pulumi schedules deletions, each with the delete script stored at the last update. The
    /// destroy guard waits for every step, so it goes first; a step skipped on destroy (a decommission) runs nothing, since
    /// the topology it is deleted with goes too.
    /// </summary>
    public static IReadOnlyList<StepChange> Destroy(IReadOnlyList<Step> state, IReadOnlyList<Step> pending)
    {
        var condemned = pending.Select(p => (p, StepChangeKind.Retire)).Concat(state.Select(s => (s, StepChangeKind.Delete))).ToList();
        var order = state.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
        return Schedule(condemned, id => order.GetValueOrDefault(id, -1))
            .Where(c => c.Kind == StepChangeKind.Delete || c.Step is CommandStep { Delete: not null })
            .Select(c => new StepChange(c.Step, c.Kind, c.Kind == StepChangeKind.Retire ? Retired((CommandStep)c.Step, []) : Destroyed(c.Step)))
            .ToList();
    }

    private static string Destroyed(Step step) => step switch
    {
        CommandStep { SkippedOnDestroy: true, Purpose: CommandPurpose.Decommission } command =>
            $"nothing runs: {command.Service} goes with its whole cluster, not decommissioned (it would have no node to hand its shards to)",
        CommandStep { SkippedOnDestroy: true } command =>
            $"nothing runs: {command.Service} goes with its whole cluster, not stopped gracefully (no node is left to hand its shards to)",
        CommandStep { Purpose: CommandPurpose.DestroyGuard } command => $"before anything else: {command.Delete}",
        CommandStep { Purpose: CommandPurpose.ApplyFirewall } command => $"{command.Host}'s firewall stays as the last update left it",
        VolumeStep { RetainOnDelete: false } volume => $"delete volume {volume.Name} on {volume.Host}, and its data",
        _ => Deleted(step, []),
    };

    /// <summary>
    /// The state as Pulumi reads it against the new plan: a step recorded under an id the new plan's step names among its
    /// <see cref="Step.FormerIds"/> (its resource's aliases) is that step, under its new id.
    /// </summary>
    public static IReadOnlyList<Step> Aliased(IReadOnlyList<Step> state, IReadOnlyList<Step> after)
    {
        var renamed = after.SelectMany(s => s.FormerIds.Select(former => (Former: former, s.Id))).ToDictionary(r => r.Former, r => r.Id, StringComparer.Ordinal);
        var current = after.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return renamed.Count == 0
            ? state
            : state.Select(s => renamed.TryGetValue(s.Id, out var id) && !current.Contains(s.Id) ? s with { Id = id } : s).ToList();
    }

    /// <summary>
    /// Pulumi's schedule of deletions: rounds of resources none of which depends directly on another still to delete,
    /// the last round first (a resource goes before the resources it depends on).
    /// </summary>
    private static IEnumerable<(Step Step, StepChangeKind Kind)> Schedule(IReadOnlyList<(Step Step, StepChangeKind Kind)> condemned, Func<string, int> position)
    {
        var left = condemned.ToList();
        var rounds = new List<List<(Step Step, StepChangeKind Kind)>>();
        while (left.Count > 0)
        {
            var ids = left.Select(c => c.Step.Id).ToHashSet(StringComparer.Ordinal);
            var free = left.Where(c => !c.Step.DependsOn.Any(ids.Contains)).ToList();
            if (free.Count == 0)
            {
                throw new InvalidOperationException($"the steps to delete wait for each other in a cycle: {string.Join(", ", left.Select(c => c.Step.Id))}");
            }

            rounds.Add(free);
            left.RemoveAll(free.Contains);
        }

        rounds.Reverse();
        return rounds.SelectMany(round => round.OrderBy(c => position(c.Step.Id)));
    }

    /// <summary>
    /// Whether Pulumi replaces the step by creating the new version first and deleting the old one at the end: every
    /// replacement but a container's (host networking and a fixed name: the old one goes first). A command is replaced
    /// when its triggers change; any other change updates it in place.
    /// </summary>
    private static bool CreatedBeforeDeleted(Step was, Step now) => (was, now) switch
    {
        (CommandStep a, CommandStep b) => !a.Triggers.Equals(b.Triggers),
        (ContainerStep, ContainerStep) => false,
        _ => true,
    };

    private static StepChange? Changed(Step was, Step step) => (was, step) switch
    {
        (EngineStep a, EngineStep b) when a.Endpoint != b.Endpoint =>
            new(step, StepChangeKind.Replace, $"the Docker engine of {b.Host} moves from {a.Endpoint} to {b.Endpoint}"),
        (ImageStep a, ImageStep b) when a.Image != b.Image =>
            new(step, StepChangeKind.Replace, $"pull {b.Image} on {b.Host} (was {a.Image})"),
        (VolumeStep a, VolumeStep b) when a.Name != b.Name =>
            new(step, StepChangeKind.Replace, $"a new volume {b.Name}; {a.Name} and its data are kept until an operator drops them"),
        (ContainerStep a, ContainerStep b) when a.Spec != b.Spec =>
            new(step, StepChangeKind.Replace, $"replace {b.Service} ({string.Join("; ", b.Spec.ChangesFrom(a.Spec))}), after every step before it in the rollout"),
        (CommandStep a, CommandStep { Purpose: CommandPurpose.ApplyFirewall } b) when !a.Triggers.Equals(b.Triggers) =>
            new(step, StepChangeKind.Replace, Opened(a, b)),
        // Triggers are replaceOnChanges: the new version runs its create, the old one goes at the end.
        (CommandStep a, CommandStep b) when !a.Triggers.Equals(b.Triggers) =>
            new(step, StepChangeKind.Replace, Ran(b)),
        (CommandStep a, CommandStep b) when a.Script != b.Script || a.StdinSent != b.StdinSent || !a.Triggers.Equals(b.Triggers) || a.Ssh != b.Ssh || a.Delete != b.Delete || a.Update != b.Update =>
            new(step, StepChangeKind.Run, RunsUpdate(a, b) ? $"{b.Id} runs its update (its triggers did not change): {b.Update}" : Ran(b)),
        _ => null,
    };

    /// <summary>
    /// The operation `pulumi preview` shows for the step's resource, in its own words: a new resource is a create; a
    /// command whose create, update, delete, stdin or connection changed is an update (pulumi-command runs its update, else
    /// its create); one whose triggers changed (replaceOnChanges), and a container, image, volume or engine whose input
    /// changed, a replace; a resource that left the program a delete; the old version of a replaced one, deleted at the
    /// end, delete-replaced.
    /// </summary>
    public static string PulumiVerb(StepChangeKind change) => change switch
    {
        StepChangeKind.Create => "create",
        StepChangeKind.Run => "update",
        StepChangeKind.Replace => "replace",
        StepChangeKind.Delete => "delete",
        StepChangeKind.Retire => "delete-replaced",
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    /// <summary>
    /// The script a changed command runs: its update where it has one and its triggers are the same (Pulumi updates the
    /// resource), else its script (new triggers replace the resource, which runs its create).
    /// </summary>
    public static string ScriptOnChange(CommandStep was, CommandStep now) => RunsUpdate(was, now) ? now.Update! : now.Script;

    private static bool RunsUpdate(CommandStep was, CommandStep now) => now.Update is not null && was.Triggers.Equals(now.Triggers);

    /// <summary>What a command running again does.</summary>
    public static string Ran(CommandStep step) => step.Purpose switch
    {
        CommandPurpose.WriteFile when step.File is { } file => $"write {file.HostPath} on {step.Host}" + file.File.OnChange switch
        {
            ChangeAction.NextRestart => $" ({step.Service} reads it at its next restart)",
            ChangeAction.ApplyFirewall => "",
            _ => "",
        },
        CommandPurpose.Prepare => $"prepare {step.Host} again",
        CommandPurpose.ApplyFirewall => $"open on {step.Host} what the plan wires (nothing withdrawn)",
        CommandPurpose.Gate => "every firewall has opened what the plan wires: containers may start",
        CommandPurpose.Preflight => $"check {step.Host} again before its containers",
        CommandPurpose.Reload => $"reload {step.Service} (no dropped requests)",
        CommandPurpose.Restart => $"restart {step.Service}, healthy before the rollout goes on",
        CommandPurpose.Ready => $"wait until {step.Service} is ready again (its container is new or replaced; at once when only the wait changed)" +
            (step.Delete is not null ? "; the node stopped gracefully before its old container went" : ""),
        CommandPurpose.Check => $"check again: {step.Why}",
        CommandPurpose.Credentials => $"set the password and privileges of CrateDB user {Configs.CrateAccess.User} again (the secret or the statements changed; safe to repeat)",
        CommandPurpose.Decommission => $"nothing runs: what decommissions {step.Service} when it leaves is brought up to date (the master-eligible set it must leave a majority of)",
        CommandPurpose.DestroyGuard => "nothing runs: what a destroy is allowed to do is brought up to date (microblog:destroy)",
        _ => step.Why,
    };

    /// <summary>A replaced firewall step: what its new version admits that the old did not, added now.</summary>
    private static string Opened(CommandStep was, CommandStep now)
    {
        var added = Access.Between(was.File, now.File).Added;
        return $"open on {now.Host}: {(added.Count == 0 ? "nothing new" : string.Join("; ", added))} (added to the rules in force; nothing is withdrawn before the end of the update)";
    }

    /// <summary>The old version of a replaced step going: for a firewall, what the new plan no longer wires is withdrawn.</summary>
    private static string Retired(CommandStep was, IReadOnlyList<Step> after)
    {
        if (was.Purpose != CommandPurpose.ApplyFirewall)
        {
            return $"the old version of {was.Id} goes: {was.Delete}";
        }

        var now = after.OfType<CommandStep>().FirstOrDefault(s => s.Id == was.Id);
        var withdrawn = Access.Between(was.File, now?.File).Withdrawn;
        return withdrawn.Count == 0
            ? $"withdraw on {was.Host}: nothing (nft -f loads the whole new ruleset; it admits all the old one did)"
            : $"withdraw on {was.Host}: {string.Join("; ", withdrawn)} (nft -f loads the whole new ruleset, once every container and node that leaves is gone)";
    }

    private static string Created(Step step) => step switch
    {
        EngineStep engine => $"connect to the Docker engine of {engine.Host} at {engine.Endpoint}",
        ImageStep image => $"pull {image.Image} on {image.Host}",
        VolumeStep volume => $"create volume {volume.Name} on {volume.Host}",
        ContainerStep container => $"create {container.Service} on {container.Host}",
        CommandStep { Purpose: CommandPurpose.WriteFile, File: { } file } command => $"write {file.HostPath} on {command.Host}",
        CommandStep command => command.Purpose switch
        {
            CommandPurpose.Ready => $"wait until {command.Service} is ready",
            CommandPurpose.Reload or CommandPurpose.Restart => $"{command.Purpose.ToString().ToLowerInvariant()} {command.Service} once, as any new command runs (harmless on a new container)",
            CommandPurpose.Decommission => $"nothing runs: {command.Service} will be decommissioned before its container goes, if it ever leaves the stack",
            CommandPurpose.ApplyFirewall => $"load the firewall of {command.Host} (the whole ruleset, before any container of the stack starts)",
            CommandPurpose.Gate => "every firewall has opened what the plan wires: containers may start",
            CommandPurpose.DestroyGuard => "nothing runs: a destroy deletes it first, and it refuses unless microblog:destroy allows it",
            _ => command.Why,
        },
        _ => step.Why,
    };

    private static string Deleted(Step step, IReadOnlyList<string> joining) => step switch
    {
        CommandStep { Purpose: CommandPurpose.Decommission } command =>
            $"{command.Service} leaves the cluster: decommissioned" +
            (joining.Count == 0 ? "" : $" after {string.Join(" and ", joining)} {(joining.Count == 1 ? "joins" : "join")}") +
            " (once every table is green, ALTER CLUSTER DECOMMISSION with every shard handed over to the other nodes; refused, changing nothing, if it is the last node or its leaving costs the master-eligible nodes their majority), before its container goes; one node at a time",
        CommandStep { Purpose: CommandPurpose.ApplyFirewall } command => $"{command.Host} leaves the stack: its firewall stays as it is",
        ContainerStep container => $"remove {container.Service} from {container.Host}",
        VolumeStep { RetainOnDelete: false } volume => $"delete volume {volume.Name} on {volume.Host}, and its data (microblog:destroy.volumes: delete)",
        VolumeStep volume => $"forget volume {volume.Name} on {volume.Host}: it is kept, with its data, until an operator drops it",
        ImageStep image => $"forget {image.Image} on {image.Host} (the image stays on the host)",
        EngineStep engine => $"forget the Docker engine of {engine.Host}",
        CommandStep { Purpose: CommandPurpose.WriteFile, File: { } file } command => $"forget {file.HostPath} on {command.Host} (the file stays on the host)",
        _ => $"forget {step.Id} (nothing runs)",
    };

    /// <summary>What two versions of a host's ruleset admit differently, set by set, in an operator's words.</summary>
    private sealed record Access(IReadOnlyList<string> Added, IReadOnlyList<string> Withdrawn)
    {
        public static Access Between(PlacedFile? before, PlacedFile? after)
        {
            var old = FirewallConfig.Elements(before?.File.Content ?? "");
            var now = FirewallConfig.Elements(after?.File.Content ?? "");
            static IReadOnlyList<string> Difference(IReadOnlyDictionary<string, IReadOnlyList<string>> from, IReadOnlyDictionary<string, IReadOnlyList<string>> minus) =>
                from.Select(set => (set.Key, Elements: set.Value.Except(minus.GetValueOrDefault(set.Key, [])).ToList()))
                    .Where(d => d.Elements.Count > 0)
                    .Select(d => $"{d.Key} {string.Join(", ", d.Elements)}")
                    .ToList();
            return new Access(Difference(now, old), Difference(old, now));
        }
    }
}
