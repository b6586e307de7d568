using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>A config file as it lands on a host (mode <paramref name="Mode"/>) and where its container sees it.</summary>
public sealed record PlacedFile(string HostPath, string? ContainerPath, RenderedFile File, string Mode = "0644")
{
    public string Sha256 => File.Sha256;

    /// <summary>
    /// For a file that holds a secret: the numeric `uid:gid` that owns it, the user its container runs as (no one else
    /// may read it); null for the others, which root owns and everyone may read.
    /// </summary>
    public string? Owner { get; init; }

    public bool HoldsSecrets => Owner is not null;
}

/// <summary>One service of a host: its container and the files it reads; what a change to them costs is <paramref name="OnConfigChange"/>.</summary>
public sealed record ServicePlan(
    string Name,
    Role Role,
    EquatableArray<int> Ports,
    EquatableArray<PlacedFile> Files,
    ContainerSpec Container,
    ChangeAction OnConfigChange);

/// <summary>What one host gets: its files and its containers.</summary>
public sealed record HostPlan(Host Host, string ConfigDir, EquatableArray<PlacedFile> Files, EquatableArray<ServicePlan> Services);

/// <summary>What the stack tells its operator once it is up (IPv6 addresses in brackets).</summary>
public sealed record StackOutputs(
    EquatableArray<string> FrontDoorUrls,
    EquatableArray<string> HaproxyStatsUrls,
    EquatableArray<string> CrateAdminUrls)
{
    /// <summary>Empty without `microblog:monitoring`; reachable from microblog:adminSources (else over an SSH tunnel).</summary>
    public EquatableArray<string> PrometheusUrls { get; init; } = EquatableArray<string>.Empty;

    public EquatableArray<string> AlertmanagerUrls { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>
/// The whole deployment: what each host gets (<see cref="Hosts"/>) and every step that puts it there
/// (<see cref="Steps"/>), listed in an order that runs each step after every step it waits for.
/// </summary>
public sealed record DeploymentPlan(string Stack, EquatableArray<HostPlan> Hosts, EquatableArray<Step> Steps, StackOutputs Outputs)
{
    public Step Step(string id) => Steps.FirstOrDefault(s => s.Id == id) ?? throw new InvalidOperationException($"no step {id} in the plan of {Stack}");

    public IEnumerable<ServicePlan> Services => Hosts.SelectMany(h => h.Services);
}
