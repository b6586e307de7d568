using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;

namespace Infra.Cli.Diff;

public enum HostStatus
{
    Added,
    Removed,
    Changed,
}

public enum FileStatus
{
    Created,
    Destroyed,
    Changed,
}

/// <summary>
/// One file that changes; <paramref name="Action"/> is what the change costs when the file stays (the core's decision,
/// <see cref="RenderedFile.OnChange"/>): a created or destroyed file comes or goes with its service.
/// </summary>
public sealed record FileChange(string Host, string Path, FileStatus Status, string? Instance, ChangeAction Action, string OldContent, string NewContent);

/// <summary>A service whose container itself changes (image, ports, environment...), not only its files.</summary>
public sealed record ServiceChange(string Name, IReadOnlyList<string> Changes);

public sealed record HostChange(
    string Host,
    HostStatus Status,
    string? OldAddress,
    string? NewAddress,
    IReadOnlyList<Instance> Added,
    IReadOnlyList<Instance> Removed,
    IReadOnlyList<ServiceChange> Replaced,
    IReadOnlyList<FileChange> Files);

/// <summary>Every host that changes between two deployment plans, in the new stack's host order, removed hosts last.</summary>
public sealed record StackChange(IReadOnlyList<HostChange> Hosts, IReadOnlyList<StepChange> Steps, ClusterChange Cluster)
{
    public bool Same => Hosts.Count == 0 && Steps.Count == 0;

    public IEnumerable<FileChange> Files => Hosts.SelectMany(h => h.Files);
}

/// <summary>
/// Compares what two stacks deploy: hosts, services, containers and every file by (host, path), as `infra render`
/// writes them; and every step of the two deployment plans, as `pulumi up` would run them.
/// </summary>
public static class StackDiffer
{
    public static StackChange Compare(StackTopology oldTopology, DeploymentPlan oldPlan, StackTopology newTopology, DeploymentPlan newPlan)
    {
        var oldHosts = oldPlan.Hosts.ToDictionary(h => h.Host.Name);
        var newHosts = newPlan.Hosts.ToDictionary(h => h.Host.Name);
        var changes = new List<HostChange>();

        foreach (var host in newPlan.Hosts)
        {
            var change = oldHosts.TryGetValue(host.Host.Name, out var old)
                ? Changed(oldTopology, old, newTopology, host)
                : new HostChange(
                    host.Host.Name, HostStatus.Added, null, host.Host.Address,
                    newTopology.On(host.Host.Name).ToList(), [], [],
                    Render.ForHost(newTopology, host.Host).Select(Created).ToList());
            if (change is not null)
            {
                changes.Add(change);
            }
        }

        foreach (var host in oldPlan.Hosts.Where(h => !newHosts.ContainsKey(h.Host.Name)))
        {
            changes.Add(new HostChange(
                host.Host.Name, HostStatus.Removed, host.Host.Address, null,
                [], oldTopology.On(host.Host.Name).ToList(), [],
                Render.ForHost(oldTopology, host.Host).Select(Destroyed).ToList()));
        }

        return new StackChange(changes, PlanChanges.Compare(oldPlan, newPlan), ClusterChange.Between(oldTopology, newTopology));
    }

    private static HostChange? Changed(StackTopology oldTopology, HostPlan old, StackTopology newTopology, HostPlan current)
    {
        var host = current.Host.Name;
        var oldInstances = oldTopology.On(host).ToList();
        var newInstances = newTopology.On(host).ToList();
        var added = newInstances.Where(n => oldInstances.All(o => o.Name != n.Name)).ToList();
        var removed = oldInstances.Where(o => newInstances.All(n => n.Name != o.Name)).ToList();

        var replaced = new List<ServiceChange>();
        foreach (var service in current.Services)
        {
            var before = old.Services.FirstOrDefault(s => s.Name == service.Name);
            if (before is not null && ContainerChanges(before, service) is { Count: > 0 } differences)
            {
                replaced.Add(new ServiceChange(service.Name, differences));
            }
        }

        var oldRendered = Render.ForHost(oldTopology, old.Host).ToList();
        var newRendered = Render.ForHost(newTopology, current.Host).ToList();
        var oldFiles = oldRendered.ToDictionary(f => f.Path);
        var newFiles = newRendered.ToDictionary(f => f.Path);
        var files = new List<FileChange>();
        foreach (var file in newRendered)
        {
            if (!oldFiles.TryGetValue(file.Path, out var before))
            {
                files.Add(Created(file));
            }
            else if (before.Content != file.Content)
            {
                files.Add(new FileChange(host, file.Path, FileStatus.Changed, file.Instance, file.OnChange, before.Content, file.Content));
            }
        }

        files.AddRange(oldRendered.Where(f => !newFiles.ContainsKey(f.Path)).Select(Destroyed));

        var addressChanged = old.Host.Address != current.Host.Address;
        if (!addressChanged && added.Count == 0 && removed.Count == 0 && replaced.Count == 0 && files.Count == 0)
        {
            return null;
        }

        return new HostChange(host, HostStatus.Changed, old.Host.Address, current.Host.Address, added, removed, replaced, files);
    }

    /// <summary>What differs in the container itself; its files are compared one by one instead.</summary>
    private static List<string> ContainerChanges(ServicePlan before, ServicePlan after)
    {
        var changes = new List<string>();
        if (!before.Ports.Equals(after.Ports))
        {
            changes.Add($"ports {string.Join(", ", before.Ports)} -> {string.Join(", ", after.Ports)}");
        }

        // The ports label follows the ports, said above.
        changes.AddRange(after.Container.ChangesFrom(before.Container).Where(c => c != "labels" || changes.Count == 0));
        return changes;
    }

    private static FileChange Created(RenderedFile file) =>
        new(file.Host, file.Path, FileStatus.Created, file.Instance, file.OnChange, "", file.Content);

    private static FileChange Destroyed(RenderedFile file) =>
        new(file.Host, file.Path, FileStatus.Destroyed, file.Instance, file.OnChange, file.Content, "");
}
