using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>A config file as it lands on a host and where the container sees it.</summary>
public sealed record PlacedFile(string HostPath, string? ContainerPath, RenderedFile File)
{
    public string Sha256 => File.Sha256;
}

/// <summary>A Docker health check, in `docker run --health-*` terms.</summary>
public sealed record HealthCheck(EquatableArray<string> Test, string Interval, string Timeout, int Retries, string StartPeriod);

/// <summary>A command to run on a host, and why (host preparation, delivery, reload, checks).</summary>
public sealed record HostCommand(string Name, string Script, string Why);

/// <summary>One container: what runs, on which ports, with which files, and what a config change costs it.</summary>
public sealed record ServicePlan(
    string Name,
    Role Role,
    string Image,
    EquatableArray<string> Args,
    EquatableArray<int> Ports,
    EquatableArray<PlacedFile> Files,
    EquatableArray<string> Environment,
    string? DataVolume,
    string? DataPath,
    string? User,
    HealthCheck Health,
    ChangeAction OnConfigChange,
    HostCommand? Apply);

/// <summary>Everything one host gets: preparation, files, containers.</summary>
public sealed record HostPlan(
    Host Host,
    string ConfigDir,
    EquatableArray<HostCommand> Preparation,
    EquatableArray<PlacedFile> Files,
    EquatableArray<ServicePlan> Services);

/// <summary>The whole stack's plan: what the Pulumi layer maps to resources and the CLI diffs.</summary>
public sealed record DeploymentPlan(string Stack, EquatableArray<HostPlan> Hosts, EquatableArray<HostCommand> Checks);
