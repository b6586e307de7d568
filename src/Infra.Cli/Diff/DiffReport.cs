using Infra.Cli.Output;
using Infra.Cli.Stacks;
using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Cli.Diff;

/// <summary>`infra diff` output: per host what is added and removed, each file's unified diff and what it costs.</summary>
public static class DiffReport
{
    /// <summary>What delivering a file change does to the running system, in an operator's words.</summary>
    public static string Describe(FileChange file)
    {
        return file.Status switch
        {
            FileStatus.Created => file.Instance is null ? "create" : $"create {file.Instance}",
            FileStatus.Destroyed => file.Instance is null ? "destroy" : $"destroy {file.Instance}",
            _ => file.Action.Describe(file.Instance ?? file.Host, file.Host),
        };
    }

    public sealed record Summary(
        int HostsAdded,
        int HostsRemoved,
        int FilesChanged,
        int HostsChanged,
        int Reloads,
        int RollingRestarts,
        int NextRestarts,
        int SupervisorUpdates,
        int FirewallUpdates,
        int Replacements,
        int Creates,
        int Destroys,
        IReadOnlyList<string> RestartOrder)
    {
        public static Summary Of(StackChange change)
        {
            var files = change.Files.ToList();
            int Count(ChangeAction action) => files.Count(f => f.Status == FileStatus.Changed && f.Action == action);
            return new Summary(
                change.Hosts.Count(h => h.Status == HostStatus.Added),
                change.Hosts.Count(h => h.Status == HostStatus.Removed),
                files.Count(f => f.Status == FileStatus.Changed),
                change.Hosts.Count(h => h.Files.Any(f => f.Status == FileStatus.Changed)),
                Count(ChangeAction.Reload),
                Count(ChangeAction.RollingRestart) + Count(ChangeAction.CrateRollingRestart),
                Count(ChangeAction.NextRestart),
                Count(ChangeAction.SupervisorUpdate) + Count(ChangeAction.SupervisordRestart),
                Count(ChangeAction.ApplyFirewall),
                change.Hosts.Sum(h => h.Replaced.Count),
                files.Count(f => f.Status == FileStatus.Created),
                files.Count(f => f.Status == FileStatus.Destroyed),
                files.Where(f => f.Status == FileStatus.Changed && f.Action is ChangeAction.RollingRestart or ChangeAction.CrateRollingRestart).Select(f => f.Instance ?? f.Host).Distinct()
                    .OrderBy(name => change.Steps.Select(c => c.Step.Id).ToList().IndexOf($"{name}-restart") is var at and >= 0 ? at : int.MaxValue).ToList());
        }

        public override string ToString()
        {
            var parts = new List<string>();
            if (HostsAdded > 0)
            {
                parts.Add(HostsAdded == 1 ? "1 host added" : $"{HostsAdded} hosts added");
            }

            if (HostsRemoved > 0)
            {
                parts.Add(HostsRemoved == 1 ? "1 host removed" : $"{HostsRemoved} hosts removed");
            }

            parts.Add($"{CliContext.Count(FilesChanged, "file")} changed on {CliContext.Count(HostsChanged, "host")}");
            parts.Add(CliContext.Count(Reloads, "reload"));
            parts.Add(CliContext.Count(RollingRestarts, "rolling restart"));
            if (NextRestarts > 0)
            {
                parts.Add($"{NextRestarts} at the next restart");
            }

            if (FirewallUpdates > 0)
            {
                parts.Add(CliContext.Count(FirewallUpdates, "firewall update"));
            }

            if (SupervisorUpdates > 0)
            {
                parts.Add(CliContext.Count(SupervisorUpdates, "supervisor update"));
            }

            if (Replacements > 0)
            {
                parts.Add(CliContext.Count(Replacements, "container replacement"));
            }

            parts.Add(CliContext.Count(Creates, "create"));
            parts.Add(CliContext.Count(Destroys, "destroy"));
            return string.Join(", ", parts);
        }
    }

    public static void WriteText(TextWriter output, LoadedStack old, LoadedStack current, StackChange change, string? note = null)
    {
        var (oldLabel, newLabel) = Labels(old, current);
        output.WriteLine(change.Same
            ? $"{old.Source.Argument} and {current.Source.Argument}: no difference ({old.Source.File}, {current.Source.File})"
            : $"{old.Source.Argument} -> {current.Source.Argument} ({old.Source.File} -> {current.Source.File})");
        if (note is not null)
        {
            output.WriteLine(note);
        }

        if (change.Same)
        {
            return;
        }
        foreach (var host in change.Hosts)
        {
            output.WriteLine();
            output.WriteLine(Heading(host));
            foreach (var service in host.Replaced)
            {
                output.WriteLine($"{service.Name}: container changes ({string.Join("; ", service.Changes)}) -> replace {service.Name}");
            }

            foreach (var file in host.Files)
            {
                var status = file.Status switch
                {
                    FileStatus.Created => "new",
                    FileStatus.Destroyed => "removed",
                    _ => "changed",
                };
                output.WriteLine($"{file.Host}/{file.Path}: {status} -> {Describe(file)}");
                if (file.Status == FileStatus.Changed)
                {
                    output.Write(UnifiedDiff.Of(file.OldContent, file.NewContent, $"{oldLabel}/{file.Host}/{file.Path}", $"{newLabel}/{file.Host}/{file.Path}"));
                }
            }
        }

        WriteAccess(output, change.Steps);
        WriteCluster(output, change.Cluster);

        var secrets = change.Hosts.SelectMany(h => h.Files).SelectMany(f => Secrets.KeysIn(f.OldContent).Concat(Secrets.KeysIn(f.NewContent))).Distinct().ToList();
        foreach (var key in secrets)
        {
            output.WriteLine($"note: {Secrets.Explain(key)}");
        }

        foreach (var value in old.Topology.Spec.Deferred.Concat(current.Topology.Spec.Deferred).Distinct())
        {
            output.WriteLine($"note: {Deferred.Explain(value)}");
        }

        if (change.Steps.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"pulumi up, in order ({CliContext.Count(change.Steps.Count, "step")}, each with the operation `pulumi preview` shows for it; `infra plan {current.Stack} --scripts` shows what each runs):");
            var width = change.Steps.Max(s => s.Step.Id.Length);
            foreach (var step in change.Steps)
            {
                output.WriteLine($"  {PlanChanges.PulumiVerb(step.Change),-15} {step.Step.Id.PadRight(width)}  {step.Effect}");
            }
        }

        var summary = Summary.Of(change);
        output.WriteLine();
        output.WriteLine($"summary: {summary}");
        if (summary.RestartOrder.Count > 0)
        {
            output.WriteLine($"rolling restart order: {string.Join(", then ", summary.RestartOrder)} (each healthy before the next)");
        }
    }

    /// <summary>What the change does to CrateDB's data, in order, and why it is refused when it would drop data or the master.</summary>
    public static void WriteCluster(TextWriter output, ClusterChange cluster)
    {
        if (cluster.Joining.Count == 0 && cluster.Leaving.Count == 0 && !cluster.Refused)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("CrateDB data, in order:");
        foreach (var line in cluster.Consequences())
        {
            output.WriteLine($"  {line}");
        }

        foreach (var refusal in cluster.Refusals)
        {
            output.WriteLine($"  refused: {refusal}");
        }
    }

    /// <summary>When each host's firewall opens what the change wires, and when it withdraws what it no longer wires: after what.</summary>
    public static void WriteAccess(TextWriter output, IReadOnlyList<StepChange> steps)
    {
        var opened = steps.Where(s => s.Change is StepChangeKind.Replace && s.Step is CommandStep { Purpose: CommandPurpose.ApplyFirewall }).ToList();
        var withdrawn = steps.Where(s => s.Change == StepChangeKind.Retire && s.Step is CommandStep { Purpose: CommandPurpose.ApplyFirewall }).ToList();
        if (opened.Count == 0 && withdrawn.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("Access, in order:");
        foreach (var step in opened)
        {
            output.WriteLine($"  {step.Effect}");
        }

        var gone = steps.Where(s => s.Change == StepChangeKind.Delete && (s.Step is ContainerStep || s.Step is CommandStep { Purpose: CommandPurpose.Decommission }))
            .Select(s => s.Step is ContainerStep ? $"{s.Step.Service} removed" : $"{s.Step.Service} decommissioned")
            .ToList();
        if (opened.Count > 0)
        {
            output.WriteLine("  then every new or replaced container" + (gone.Count > 0 ? $"; then, at the end of the update, {string.Join(", ", gone)}" : ""));
        }

        foreach (var step in withdrawn)
        {
            output.WriteLine($"  {step.Effect}");
        }
    }

    private static string Heading(HostChange host)
    {
        var services = (IReadOnlyList<Topology.Model.Instance> list) => string.Join(", ", list.Select(Output.Describe.Service));
        return host.Status switch
        {
            HostStatus.Added => $"{host.Host}: added ({host.NewAddress}: {services(host.Added)})",
            HostStatus.Removed => $"{host.Host}: removed ({host.OldAddress}: {services(host.Removed)})",
            _ => $"{host.Host}: {string.Join("; ", ChangedParts(host, services))}",
        };
    }

    private static IEnumerable<string> ChangedParts(HostChange host, Func<IReadOnlyList<Topology.Model.Instance>, string> services)
    {
        if (host.OldAddress != host.NewAddress)
        {
            yield return $"address {host.OldAddress} -> {host.NewAddress}";
        }

        if (host.Added.Count > 0)
        {
            yield return $"services added: {services(host.Added)}";
        }

        if (host.Removed.Count > 0)
        {
            yield return $"services removed: {services(host.Removed)}";
        }

        var changed = host.Files.Count(f => f.Status == FileStatus.Changed);
        if (changed > 0)
        {
            yield return $"{CliContext.Count(changed, "file")} changed";
        }
    }

    /// <summary>The ---/+++ prefixes: stack names, or the arguments when both sides are one stack (two-host@main, two-host).</summary>
    public static (string Old, string New) Labels(LoadedStack old, LoadedStack current) =>
        old.Stack != current.Stack ? (old.Stack, current.Stack)
        : old.Source.Argument != current.Source.Argument ? (old.Source.Argument, current.Source.Argument)
        : ("a", "b");

    public sealed record Side(string Stack, string File);

    public sealed record ServiceJson(string Name, string Role, IReadOnlyList<int> Ports);

    public sealed record FileJson(string Path, FileStatus Status, string? Instance, ChangeAction? Action, string Description, string? Diff);

    public sealed record HostJson(
        string Host,
        HostStatus Status,
        string? OldAddress,
        string? NewAddress,
        IReadOnlyList<ServiceJson> ServicesAdded,
        IReadOnlyList<ServiceJson> ServicesRemoved,
        IReadOnlyList<ServiceChange> ServicesReplaced,
        IReadOnlyList<FileJson> Files);

    /// <param name="Pulumi">The operation `pulumi preview` shows for the step's resource (<see cref="PlanChanges.PulumiVerb"/>).</param>
    public sealed record StepJson(string Id, StepChangeKind Change, string Pulumi, string? Host, string Effect);

    public sealed record ClusterJson(IReadOnlyList<string> Joining, IReadOnlyList<string> Leaving, IReadOnlyList<string> Consequences, IReadOnlyList<string> Refusals);

    public sealed record Report(Side Old, Side New, bool Same, IReadOnlyList<HostJson> Hosts, IReadOnlyList<StepJson> Steps, ClusterJson Cluster, Summary Summary);

    public static Report ToJson(LoadedStack old, LoadedStack current, StackChange change)
    {
        var (oldLabel, newLabel) = Labels(old, current);
        static ServiceJson Service(Topology.Model.Instance i) => new(i.Name, Output.Describe.Role(i.Role), i.Ports.ToList());
        var hosts = change.Hosts.Select(h => new HostJson(
            h.Host, h.Status, h.OldAddress, h.NewAddress,
            h.Added.Select(Service).ToList(), h.Removed.Select(Service).ToList(), h.Replaced,
            h.Files.Select(f => new FileJson(
                f.Path, f.Status, f.Instance, f.Status == FileStatus.Changed ? f.Action : null, Describe(f),
                f.Status == FileStatus.Changed ? UnifiedDiff.Of(f.OldContent, f.NewContent, $"{oldLabel}/{f.Host}/{f.Path}", $"{newLabel}/{f.Host}/{f.Path}") : null)).ToList())).ToList();
        return new Report(
            new Side(old.Stack, old.Source.File), new Side(current.Stack, current.Source.File), change.Same, hosts,
            change.Steps.Select(s => new StepJson(s.Step.Id, s.Change, PlanChanges.PulumiVerb(s.Change), s.Step.Host, s.Effect)).ToList(),
            new ClusterJson(change.Cluster.Joining, change.Cluster.Leaving, change.Cluster.Consequences().ToList(), change.Cluster.Refusals),
            Summary.Of(change));
    }
}
