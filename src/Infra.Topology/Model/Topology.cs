using System.Runtime.CompilerServices;
using Infra.Topology.Spec;

namespace Infra.Topology.Model;

/// <summary>How the deployer reaches a host: its Docker engine, and SSH for host work (or neither, on localhost).</summary>
public sealed record HostAccess(bool Local, string DockerEndpoint, SshSpec Ssh);

public sealed record Host(string Name, string Address, HostAccess Access, EquatableArray<Role> Roles);

/// <summary>
/// One running service. Ports are host ports (every layout runs on host networking, as the seed does).
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
    /// <summary>The seed's diagram aliases: rp1, ha1, ap1, cr1, lb.</summary>
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

    /// <summary>Processes under supervisord (dev and single-host by hand, as the seed runs them).</summary>
    Supervisord,
}

public sealed record Edge(string From, string To, EdgeKind Kind);

/// <summary>The resolved topology: every host, every instance with its ports, every wire between them.</summary>
public sealed record StackTopology(StackSpec Spec, EquatableArray<Host> Hosts, EquatableArray<Instance> Instances, EquatableArray<Edge> Edges)
{
    public string Stack => Spec.Stack;

    public Layout Layout => Spec.Layout;

    /// <summary>The process-managed layouts run under supervisord, as the seed's development setup does.</summary>
    public bool IsProcessManaged => Layout is Layout.Dev or Layout.SingleHost;

    /// <summary>How `infra render` and the live tests run this layout: the seed's supervisord picture for dev and single-host.</summary>
    public RunMode DefaultRunMode => IsProcessManaged ? RunMode.Supervisord : RunMode.Containers;

    public IEnumerable<Instance> Of(Role role) => Instances.Where(i => i.Role == role);

    public IEnumerable<Instance> On(string host) => Instances.Where(i => i.Host == host);

    public IEnumerable<Instance> On(string host, Role role) => Instances.Where(i => i.Host == host && i.Role == role);

    public Host HostOf(Instance instance) => Hosts.Single(h => h.Name == instance.Host);

    public Instance Instance(string name) =>
        Index.ByName.TryGetValue(name, out var instance) ? instance : throw new InvalidOperationException($"no instance named {name} in stack {Stack}");

    public IEnumerable<Instance> Targets(Instance from) => Index.TargetsOf[from.Name];

    public IEnumerable<Instance> Sources(Instance to) => Index.SourcesOf[to.Name];

    /// <summary>The Prometheus servers that scrape <paramref name="target"/>; scrapes are not among <see cref="Sources"/>, which are the serving path.</summary>
    public IEnumerable<Instance> Scrapers(Instance target) => Index.ScrapersOf[target.Name];

    // Renderers ask for every instance's targets and sources: a scan of all edges per question made rendering
    // 1,000 hosts cubic (minutes). Kept outside the record's fields so value equality is unchanged.
    private static readonly ConditionalWeakTable<StackTopology, EdgeIndex> Indexes = new();

    private EdgeIndex Index => Indexes.GetValue(this, t => new EdgeIndex(t));

    private sealed class EdgeIndex
    {
        public EdgeIndex(StackTopology topology)
        {
            ByName = topology.Instances.ToDictionary(i => i.Name, StringComparer.Ordinal);
            var serving = topology.Edges.Where(e => e.Kind is not (EdgeKind.Scrape or EdgeKind.Alert)).ToList();
            TargetsOf = serving.ToLookup(e => e.From, e => ByName[e.To], StringComparer.Ordinal);
            SourcesOf = serving.ToLookup(e => e.To, e => ByName[e.From], StringComparer.Ordinal);
            ScrapersOf = topology.Edges.Where(e => e.Kind == EdgeKind.Scrape).ToLookup(e => e.To, e => ByName[e.From], StringComparer.Ordinal);
        }

        public Dictionary<string, Instance> ByName { get; }

        public ILookup<string, Instance> TargetsOf { get; }

        public ILookup<string, Instance> SourcesOf { get; }

        public ILookup<string, Instance> ScrapersOf { get; }
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
