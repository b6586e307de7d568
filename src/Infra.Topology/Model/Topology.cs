using System.Runtime.CompilerServices;
using Infra.Topology.Spec;

namespace Infra.Topology.Model;

/// <summary>How the deployer reaches a host: its Docker engine, and SSH for host work (or neither, on localhost).</summary>
public sealed record HostAccess(bool Local, string DockerEndpoint, SshSpec Ssh);

public sealed record Host(string Name, string Address, HostAccess Access, EquatableArray<Role> Roles);

/// <summary>
/// One running service. Ports are host ports (every layout runs on host networking, as the reference design does).
/// Crate nodes also have a transport and a psql port; the load balancer may have a TLS port.
/// </summary>
public sealed record Instance(
    string Name,
    Role Role,
    string Host,
    string Address,
    int Index,
    int Ordinal,
    int Port,
    int? TransportPort = null,
    int? PsqlPort = null,
    int? TlsPort = null,
    int? MetricsPort = null)
{
    /// <summary>The reference design's diagram aliases: rp1, ha1, ap1, cr1, lb.</summary>
    public string Alias => Role switch
    {
        Role.LoadBalancer => Ordinal == 1 ? "lb" : $"lb{Ordinal}",
        Role.Nginx => $"rp{Ordinal}",
        Role.Haproxy => $"ha{Ordinal}",
        Role.App => $"ap{Ordinal}",
        Role.Crate => $"cr{Ordinal}",
        Role.Prometheus => Ordinal == 1 ? "prom" : $"prom{Ordinal}",
        Role.Alertmanager => Ordinal == 1 ? "am" : $"am{Ordinal}",
        Role.NodeExporter => $"ne{Ordinal}",
        Role.NginxExporter => $"nx{Ordinal}",
        _ => Name,
    };

    /// <summary>The ports it serves on; a metrics port (<see cref="MetricsPort"/>) is only for Prometheus, so not among them.</summary>
    public IEnumerable<int> Ports =>
        new[] { (int?)Port, TransportPort, PsqlPort, TlsPort }.Where(p => p is not null).Select(p => p!.Value);

    public override string ToString() => Name;
}

public enum EdgeKind
{
    /// <summary>HTTP proxied downstream (lb -> nginx -> haproxy -> app).</summary>
    Http,

    /// <summary>The app's CrateDB connections (`crate.hosts`).</summary>
    Sql,

    /// <summary>CrateDB node discovery and transport between nodes.</summary>
    Discovery,

    /// <summary>Prometheus scraping an exporter or a service's metrics port (only in a stack with `microblog:monitoring`).</summary>
    Scrape,

    /// <summary>Prometheus sending alerts to Alertmanager.</summary>
    Alert,
}

/// <summary>How a stack's services run; it decides file paths (CrateDB's data on a volume or in a folder) and which files exist.</summary>
public enum RunMode
{
    /// <summary>Every service a container on host networking: how `pulumi up` deploys every layout.</summary>
    Containers,

    /// <summary>Processes under supervisord (dev and single-host by hand, as the reference design runs them).</summary>
    Supervisord,
}

/// <summary>One connection: an instance and an instance it connects to.</summary>
public sealed record Edge(string From, string To, EdgeKind Kind);

/// <summary>Which instances of the <see cref="Wire.To"/> role an instance of the <see cref="Wire.From"/> role connects to.</summary>
public enum WireScope
{
    /// <summary>Every one in the stack.</summary>
    All,

    /// <summary>Only those on its own host.</summary>
    SameHost,

    /// <summary>Every one in the stack but itself (peers of one role).</summary>
    Others,

    /// <summary>Every one, or in a large stack a stable, balanced subset of them (haproxy to apps: <see cref="AppSubsets"/>).</summary>
    Subset,
}

/// <summary>
/// A role-level wiring rule, e.g. every app instance connects to every CrateDB node. The topology keeps the rules, not
/// the edges they imply (all pairs would be N^2: 3 million at 1,000 hosts); <see cref="StackTopology.Targets"/>,
/// <see cref="StackTopology.Sources"/> and <see cref="StackTopology.Edges"/> enumerate them where a caller needs them.
/// </summary>
public sealed record Wire(Role From, Role To, EdgeKind Kind, WireScope Scope);

/// <summary>The resolved topology: every host, every instance with its ports, and the wiring rules between roles.</summary>
public sealed record StackTopology(StackSpec Spec, EquatableArray<Host> Hosts, EquatableArray<Instance> Instances, EquatableArray<Wire> Wires)
{
    public string Stack => Spec.Stack;

    public Layout Layout => Spec.Layout;

    /// <summary>
    /// How `infra render`, `infra lab` and the live tests run this layout: dev and single-host under supervisord, as the
    /// reference design's development setup does (only they can), every other layout as containers. Under Pulumi every
    /// layout runs as containers.
    /// </summary>
    public RunMode DefaultRunMode => Layout is Layout.Dev or Layout.SingleHost ? RunMode.Supervisord : RunMode.Containers;

    /// <summary>Every instance of a role, in host order.</summary>
    public IReadOnlyList<Instance> Of(Role role) => Index.ByRole.GetValueOrDefault(role) ?? [];

    /// <summary>Every instance on a host.</summary>
    public IReadOnlyList<Instance> On(string host) => Index.ByHost.GetValueOrDefault(host) ?? [];

    public IReadOnlyList<Instance> On(string host, Role role) => Index.ByHostRole.GetValueOrDefault((host, role)) ?? [];

    public Host HostOf(Instance instance) =>
        Index.HostByName.TryGetValue(instance.Host, out var host) ? host : throw new InvalidOperationException($"no host named {instance.Host} in stack {Stack}");

    public Instance Instance(string name) =>
        Index.ByName.TryGetValue(name, out var instance) ? instance : throw new InvalidOperationException($"no instance named {name} in stack {Stack}");

    /// <summary>The rules an instance of this role is wired in by, as the source.</summary>
    public IEnumerable<Wire> WiresFrom(Role role) => Wires.Where(w => w.From == role);

    /// <summary>The rules an instance of this role is wired in by, as the target.</summary>
    public IEnumerable<Wire> WiresTo(Role role) => Wires.Where(w => w.To == role);

    /// <summary>What <paramref name="from"/> serves through, rule by rule in wiring order, each rule's in host order (scrapes and alerts are not among them).</summary>
    public IEnumerable<Instance> Targets(Instance from) => WiresFrom(from.Role).Where(IsServing).SelectMany(w => Ends(w, from, w.To));

    /// <summary>The Prometheus servers that scrape <paramref name="target"/>; scrapes are not among <see cref="Sources"/>, which are the serving path.</summary>
    public IEnumerable<Instance> Scrapers(Instance target) =>
        WiresTo(target.Role).Where(w => w.Kind == EdgeKind.Scrape).SelectMany(w => Ends(w, target, w.From));

    /// <summary>The request path and the data tier: the wires that are not monitoring's own.</summary>
    private static bool IsServing(Wire wire) => wire.Kind is not (EdgeKind.Scrape or EdgeKind.Alert);

    /// <summary>What connects to <paramref name="to"/>, rule by rule in wiring order, each rule's in host order.</summary>
    public IEnumerable<Instance> Sources(Instance to) => WiresTo(to.Role).Where(IsServing).SelectMany(w => Ends(w, to, w.From));

    /// <summary>The instances of <paramref name="role"/> a rule connects <paramref name="end"/> with.</summary>
    public IEnumerable<Instance> Ends(Wire wire, Instance end, Role role) => wire.Scope switch
    {
        WireScope.All => Of(role),
        WireScope.SameHost => On(end.Host, role),
        WireScope.Others => Of(role).Where(i => i != end),
        WireScope.Subset => role == wire.To ? AppSubsets.AppsOf(this, end) : AppSubsets.CheckersOf(this, end),
        _ => throw new ArgumentOutOfRangeException(nameof(wire), wire.Scope, null),
    };

    /// <summary>Every edge the wiring implies, enumerated on demand (N^2 for a rule between two roles on every host).</summary>
    public IEnumerable<Edge> Edges => Wires.SelectMany(w => Of(w.From).SelectMany(from => Ends(w, from, w.To).Select(to => new Edge(from.Name, to.Name, w.Kind))));

    // Kept outside the record's fields so value equality is unchanged; built on the first question.
    private static readonly ConditionalWeakTable<StackTopology, InstanceIndex> Indexes = new();

    private InstanceIndex Index => Indexes.GetValue(this, t => new InstanceIndex(t));

    private sealed class InstanceIndex
    {
        public InstanceIndex(StackTopology topology)
        {
            ByName = topology.Instances.ToDictionary(i => i.Name, StringComparer.Ordinal);
            HostByName = topology.Hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
            ByRole = topology.Instances.GroupBy(i => i.Role).ToDictionary(g => g.Key, List);
            ByHost = topology.Instances.GroupBy(i => i.Host, StringComparer.Ordinal).ToDictionary(g => g.Key, List, StringComparer.Ordinal);
            ByHostRole = topology.Instances.GroupBy(i => (i.Host, i.Role)).ToDictionary(g => g.Key, List);
        }

        public Dictionary<string, Instance> ByName { get; }

        public Dictionary<string, Host> HostByName { get; }

        public Dictionary<Role, IReadOnlyList<Instance>> ByRole { get; }

        public Dictionary<string, IReadOnlyList<Instance>> ByHost { get; }

        public Dictionary<(string Host, Role Role), IReadOnlyList<Instance>> ByHostRole { get; }

        // Handed out to every caller: read-only, so no caller can change another's answer.
        private static IReadOnlyList<Instance> List(IEnumerable<Instance> instances) => Array.AsReadOnly(instances.ToArray());
    }

    /// <summary>What outside clients talk to: the load balancer, else haproxy (single-host), else the app (dev).</summary>
    public IReadOnlyList<Instance> FrontDoor
    {
        get
        {
            foreach (var role in new[] { Role.LoadBalancer, Role.Haproxy, Role.App })
            {
                var found = Of(role).ToList();
                if (found.Count > 0)
                {
                    return found;
                }
            }

            return [];
        }
    }
}
