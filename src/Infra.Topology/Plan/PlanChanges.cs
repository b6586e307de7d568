using Infra.Topology.Configs;

namespace Infra.Topology.Plan;

/// <summary>What an update does to one step.</summary>
public enum StepChangeKind
{
    /// <summary>A new step: the resource is created (a command runs for the first time).</summary>
    Create,

    /// <summary>A command whose script, stdin or triggers changed: it runs again.</summary>
    Run,

    /// <summary>A container, image, volume or engine that changed: deleted and created anew.</summary>
    Replace,

    /// <summary>A step the new plan no longer has: the resource is deleted, after everything else.</summary>
    Delete,
}

/// <summary>One step an update touches, and what that does to the running system in an operator's words.</summary>
public sealed record StepChange(Step Step, StepChangeKind Change, string Effect);

/// <summary>
/// What going from one plan to another runs, replaces, creates and deletes, in the order it happens: the new plan's
/// order (each step after the steps it waits for), then the deletions, last to first, as Pulumi deletes.
/// </summary>
public static class PlanChanges
{
    public static IReadOnlyList<StepChange> Compare(DeploymentPlan before, DeploymentPlan after)
    {
        var old = before.Steps.ToDictionary(s => s.Id);
        var current = after.Steps.Select(s => s.Id).ToHashSet();
        var changes = new List<StepChange>();
        foreach (var step in after.Steps)
        {
            if (!old.TryGetValue(step.Id, out var was))
            {
                changes.Add(new StepChange(step, StepChangeKind.Create, Created(step)));
            }
            else if (Changed(was, step) is { } change)
            {
                changes.Add(change);
            }
        }

        // The nodes that join in this update: their decommission steps are new.
        var joining = after.Steps.OfType<CommandStep>().Where(s => s.Purpose == CommandPurpose.Decommission && !old.ContainsKey(s.Id)).Select(s => s.Service!).ToList();
        changes.AddRange(before.Steps.Reverse().Where(s => !current.Contains(s.Id)).Select(s => new StepChange(s, StepChangeKind.Delete, Deleted(s, joining))));
        return changes;
    }

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
        (CommandStep a, CommandStep b) when a.Script != b.Script || a.Stdin != b.Stdin || !a.Triggers.Equals(b.Triggers) || a.Ssh != b.Ssh || a.Delete != b.Delete || a.Update != b.Update =>
            new(step, StepChangeKind.Run, RunsUpdate(a, b) ? $"nothing runs: {b.Service}'s container is not replaced ({b.Id} runs only before a replacement)" : Ran(b)),
        _ => null,
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
        CommandPurpose.ApplyFirewall => $"apply the firewall on {step.Host} (nft -f swaps the ruleset atomically)",
        CommandPurpose.Preflight => $"check {step.Host} again before its containers",
        CommandPurpose.Reload => $"reload {step.Service} (no dropped requests)",
        CommandPurpose.Restart => $"restart {step.Service}, healthy before the rollout goes on",
        CommandPurpose.Ready => $"check again that {step.Service} is ready (its check changed; it passes at once when nothing else did)",
        CommandPurpose.Check => $"check again: {step.Why}",
        CommandPurpose.Credentials => $"set the password and privileges of CrateDB user {Configs.CrateAccess.User} again (the secret or the statements changed; safe to repeat)",
        CommandPurpose.Stop => $"stop {step.Service} gracefully (allocation limited to new primaries, ALTER CLUSTER DECOMMISSION) before its container is replaced",
        CommandPurpose.Decommission => $"nothing runs: what decommissions {step.Service} when it leaves is brought up to date (the master-eligible set it must leave a majority of)",
        _ => step.Why,
    };

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
            CommandPurpose.Stop => $"stop {command.Service} gracefully if it runs (nothing to stop on a new node)",
            CommandPurpose.Decommission => $"nothing runs: {command.Service} will be decommissioned before its container goes, if it ever leaves the stack",
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
        ContainerStep container => $"remove {container.Service} from {container.Host}",
        VolumeStep volume => $"forget volume {volume.Name} on {volume.Host}: it is kept, with its data, until an operator drops it",
        ImageStep image => $"forget {image.Image} on {image.Host} (the image stays on the host)",
        EngineStep engine => $"forget the Docker engine of {engine.Host}",
        CommandStep { Purpose: CommandPurpose.WriteFile, File: { } file } command => $"forget {file.HostPath} on {command.Host} (the file stays on the host)",
        _ => $"forget {step.Id} (nothing runs)",
    };
}
