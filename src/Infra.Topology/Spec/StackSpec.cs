namespace Infra.Topology.Spec;

/// <summary>The four shapes the reference design draws; any host list and instance counts within each.</summary>
public enum Layout
{
    Dev,
    SingleHost,
    Colocated,
    SplitRole,
}

public enum Role
{
    LoadBalancer,
    Nginx,
    Haproxy,
    App,
    Crate,
    Prometheus,
    Alertmanager,
    NodeExporter,
    NginxExporter,
}

/// <summary>A layout's name as a stack file writes it (`single-host`).</summary>
public static class LayoutNames
{
    public static string Name(this Layout layout) => SpecBinder.Layouts.Single(kv => kv.Value == layout).Key;
}

public static class Roles
{
    /// <summary>Prometheus, Alertmanager and the exporters: they watch the serving path and are not on it.</summary>
    public static bool IsMonitoring(this Role role) => role is Role.Prometheus or Role.Alertmanager or Role.NodeExporter or Role.NginxExporter;
}

public sealed record SshSpec(string User, int Port);

/// <summary>One host of the stack file: a machine (or, in the live tests, a network namespace).</summary>
public sealed record HostSpec(
    string Name,
    string Address,
    SshSpec Ssh,
    string? DockerEndpoint,
    EquatableArray<Role> Roles,
    int AppInstances,
    int CrateNodes);

public sealed record LoadBalancerSpec(string Name, string Address, SshSpec Ssh, string? DockerEndpoint, string? TlsCertificate);

public sealed record ImageSpec(string Nginx, string Haproxy, string App, string Crate)
{
    /// <summary>The monitoring host's images (used only when the stack has `microblog:monitoring`).</summary>
    public MonitoringImages Monitoring { get; init; } = MonitoringImages.Default;
}

public sealed record CommandSpec(string App, string Crate, string Haproxy);

/// <summary>What a port of an instance is for; an instance's main port is its <see cref="Http"/> one.</summary>
public enum PortKind
{
    Http,
    Transport,
    Psql,
    Https,
}

/// <summary>`microblog:ports`: the base port of each kind of service; instances of one role on one host count up from it.</summary>
public sealed record PortSpec(int Nginx, int Haproxy, int App, int CrateHttp, int CrateTransport, int CratePsql, int LoadBalancerHttp, int LoadBalancerHttps)
{
    /// <summary>A `microblog:ports` key: its name, and how to read and set it.</summary>
    public sealed record Key(string Name, Func<PortSpec, int> Get, Func<PortSpec, int, PortSpec> Set);

    /// <summary>Every key, once: the binder, the validator and the port plan all read this list.</summary>
    public static readonly IReadOnlyList<Key> Keys =
    [
        new("nginx", p => p.Nginx, (p, v) => p with { Nginx = v }),
        new("haproxy", p => p.Haproxy, (p, v) => p with { Haproxy = v }),
        new("app", p => p.App, (p, v) => p with { App = v }),
        new("crateHttp", p => p.CrateHttp, (p, v) => p with { CrateHttp = v }),
        new("crateTransport", p => p.CrateTransport, (p, v) => p with { CrateTransport = v }),
        new("cratePsql", p => p.CratePsql, (p, v) => p with { CratePsql = v }),
        new("loadBalancerHttp", p => p.LoadBalancerHttp, (p, v) => p with { LoadBalancerHttp = v }),
        new("loadBalancerHttps", p => p.LoadBalancerHttps, (p, v) => p with { LoadBalancerHttps = v }),
    ];
}

/// <summary>
/// `microblog:rollout`: how many of a stateless role's instances an update may take down at once (create, replace or
/// restart): a count (`2`) or a share of the role (`25%`, rounded down), at least 1, and never every instance of a
/// role that has two or more. The next wave starts when every instance of the one before is ready.
/// </summary>
public sealed record RolloutSpec(string MaxUnavailable = RolloutSpec.DefaultMaxUnavailable)
{
    public const string DefaultMaxUnavailable = "25%";

    /// <summary>How many of <paramref name="instances"/> instances of a role go at once.</summary>
    public int WaveSize(int instances)
    {
        var allowed = MaxUnavailable.EndsWith('%')
            ? instances * int.Parse(MaxUnavailable[..^1], System.Globalization.CultureInfo.InvariantCulture) / 100
            : int.Parse(MaxUnavailable, System.Globalization.CultureInfo.InvariantCulture);
        return Math.Max(1, instances >= 2 ? Math.Min(allowed, instances - 1) : allowed);
    }
}

/// <summary>
/// `microblog:destroy`: whether `pulumi destroy` may take the stack away, data included, and whether the CrateDB nodes'
/// volumes go with it. Applied by `pulumi up` before `pulumi destroy`, as deletion protection is lifted in the big clouds:
/// a destroy runs the delete scripts stored at the last update, so the setting must be in them. Without it a destroy
/// stops before it deletes anything.
/// </summary>
public sealed record DestroySpec(bool Allowed = false, bool DeletesVolumes = false)
{
    public const string KeepVolumes = "keep";

    public const string DeleteVolumes = "delete";

    /// <summary>What to write in the stack file to allow a destroy.</summary>
    public const string Allow = "microblog:destroy: {allowed: true}";
}

/// <summary>CrateDB settings: the heap, and how many nodes (the first in host order) are master-eligible.</summary>
public sealed record CrateSpec(string HeapSize, int MasterNodes = CrateSpec.DefaultMasterNodes)
{
    public const int DefaultMasterNodes = 3;
}

/// <summary>The whole `microblog:*` block of one stack file, defaults applied, checked.</summary>
public sealed record StackSpec(
    string Stack,
    string SourceFile,
    Layout Layout,
    string ClusterName,
    EquatableArray<HostSpec> Hosts,
    LoadBalancerSpec? LoadBalancer,
    ImageSpec Images,
    CommandSpec Commands,
    PortSpec Ports,
    CrateSpec Crate,
    string HealthCheckPath)
{
    /// <summary>Addresses and networks (CIDR) operators connect from: SSH and a TCP Docker endpoint are open to these only; empty, SSH is open to all.</summary>
    public EquatableArray<string> AdminSources { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// Whether the stack sets <see cref="Secrets.CratePasswordKey"/> as a secret. Only that it is set: the value never
    /// enters the spec (see <see cref="Secrets"/>).
    /// </summary>
    public bool CratePasswordSet { get; init; }

    /// <summary>
    /// `microblog:appUser`: the numeric `uid[:gid]` the app's image runs as. The app containers run as it, and app.conf,
    /// which holds the CrateDB password, is owned by it and readable by no one else; null: the image's own user, and
    /// app.conf owned by root (an image that runs as another user cannot read it).
    /// </summary>
    public string? AppUser { get; init; }

    /// <summary>Prometheus, Alertmanager and the exporters (`microblog:monitoring`); null: the stack is not monitored.</summary>
    public MonitoringSpec? Monitoring { get; init; }

    /// <summary>Values known only at deploy time: the spec holds their placeholders (see <see cref="Spec.Deferred"/>).</summary>
    public EquatableArray<DeferredValue> Deferred { get; init; } = EquatableArray<DeferredValue>.Empty;

    /// <summary>Whether <paramref name="value"/> is the placeholder of a value this stack declares deferred: its grammar is checked when it arrives.</summary>
    public bool IsDeferred(string? value) => value is not null && Deferred.Any(d => d.Placeholder == value);

    /// <summary>How much of a stateless role an update may take down at once (`microblog:rollout`).</summary>
    public RolloutSpec Rollout { get; init; } = new();

    /// <summary>Whether `pulumi destroy` may take the stack away, and its volumes (`microblog:destroy`).</summary>
    public DestroySpec Destroy { get; init; } = new();

    public static readonly PortSpec DefaultPorts = new(
        Nginx: 80, Haproxy: 9100, App: 9210, CrateHttp: 4200, CrateTransport: 4300, CratePsql: 5432, LoadBalancerHttp: 80, LoadBalancerHttps: 443);

    /// <summary>
    /// Exact releases, so a stack file deploys the same software until someone changes it (README, "Images"): nginx's
    /// stable branch, haproxy's 3.0 LTS branch, and CrateDB 6.0, the release a cluster on 5.10 (the former default)
    /// upgrades to in a rolling upgrade.
    /// </summary>
    public static readonly ImageSpec DefaultImages = new(Nginx: "nginx:1.30.6", Haproxy: "haproxy:3.0.25", App: "", Crate: "crate:6.0.8");

    /// <summary>The reference design's own paths (`bin/app`, `parts/crate/bin/crate`).</summary>
    public static readonly CommandSpec DefaultCommands = new(App: "bin/app", Crate: "parts/crate/bin/crate", Haproxy: "haproxy");

    public const string DefaultHealthCheckPath = "/health";

    public const string DefaultHeapSize = "1g";
}
