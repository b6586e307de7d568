using System.Collections.Immutable;
using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Pulumi;
using Pulumi.Docker.Inputs;
using Docker = Pulumi.Docker;

namespace Infra.Components;

/// <summary>What every service component gets from its host: where it runs and what it waits for.</summary>
public sealed class ServiceArgs
{
    public required string Stack { get; init; }

    public required ServicePlan Service { get; init; }

    public required HostShell Shell { get; init; }

    public required Docker.Provider Docker { get; init; }

    public required Docker.RemoteImage Image { get; init; }

    /// <summary>Host preparation (config folder, kernel settings) that files and the container wait for.</summary>
    public IReadOnlyList<Resource> Preparation { get; init; } = [];

    /// <summary>The previous restart of the rollout: this service's restart runs after it.</summary>
    public Resource? RestartAfter { get; init; }
}

/// <summary>
/// One container of the plan with its config files: each file written on the host and mounted read-only,
/// and the plan's reload or restart run when a file changes, so a config change never replaces the container.
/// </summary>
public abstract class ServiceComponent : ComponentResource
{
    [Output("containerName")]
    public Output<string> ContainerName { get; private set; }

    [Output("ports")]
    public Output<ImmutableArray<int>> Ports { get; private set; }

    [Output("configFiles")]
    public Output<ImmutableArray<string>> ConfigFiles { get; private set; }

    public Docker.Container Container { get; }

    /// <summary>The reload or restart after a config change; null when the service reads its file only at its next start.</summary>
    public CustomResource? Apply { get; }

    protected ServiceComponent(string type, string name, ServiceArgs args, ComponentResourceOptions? options)
        : base(type, name, options)
    {
        var service = args.Service;
        var writes = service.Files
            .Select(file => args.Shell.Run(
                service.Files.Count == 1 ? $"{name}-config" : $"{name}-config-{Path.GetFileName(file.HostPath)}",
                Delivery.Write(file),
                new CustomResourceOptions { Parent = this, DependsOn = args.Preparation.ToList() }))
            .ToList();

        var container = new Docker.ContainerArgs
        {
            Name = service.Name,
            Image = args.Image.ImageId,
            NetworkMode = "host",
            Restart = "unless-stopped",
            Envs = service.Environment.ToList(),
            Healthcheck = new ContainerHealthcheckArgs
            {
                Tests = service.Health.Test.ToList(),
                Interval = service.Health.Interval,
                Timeout = service.Health.Timeout,
                Retries = service.Health.Retries,
                StartPeriod = service.Health.StartPeriod,
            },
            Labels =
            {
                new ContainerLabelArgs { Label = "microblog.stack", Value = args.Stack },
                new ContainerLabelArgs { Label = "microblog.role", Value = service.Role.ToString() },
                new ContainerLabelArgs { Label = "microblog.ports", Value = string.Join(",", service.Ports) },
            },
        };
        if (service.Args.Count > 0)
        {
            container.Command = service.Args.ToList();
        }

        if (service.User is { } user)
        {
            container.User = user;
        }

        foreach (var file in service.Files.Where(f => f.ContainerPath is not null))
        {
            container.Volumes.Add(new ContainerVolumeArgs { HostPath = file.HostPath, ContainerPath = file.ContainerPath!, ReadOnly = true });
        }

        if (service is { DataVolume: { } volumeName, DataPath: { } dataPath })
        {
            var volume = new Docker.Volume($"{name}-data", new Docker.VolumeArgs { Name = volumeName },
                // The data outlives the container and the stack: removing a node keeps its volume until an operator drops it.
                new CustomResourceOptions { Parent = this, Provider = args.Docker, RetainOnDelete = true });
            container.Volumes.Add(new ContainerVolumeArgs { VolumeName = volume.Name, ContainerPath = dataPath });
        }

        Container = new Docker.Container($"{name}-container", container, new CustomResourceOptions
        {
            Parent = this,
            Provider = args.Docker,
            // A bind mount of a file that does not exist yet would make Docker create a directory there.
            DependsOn = writes.Concat(args.Preparation).ToList(),
            // Host networking and a fixed name: the old container must be gone before its replacement binds the same ports.
            DeleteBeforeReplace = true,
        });

        if (service.Apply is { } apply && writes.Count > 0)
        {
            var after = writes.Append<Resource>(Container);
            if (service.OnConfigChange == ChangeAction.RollingRestart && args.RestartAfter is { } previous)
            {
                after = after.Append(previous);
            }

            Apply = args.Shell.Run(apply.Name, Delivery.Apply(service, apply), new CustomResourceOptions { Parent = this, DependsOn = after.ToList() });
        }

        ContainerName = Container.Name;
        Ports = Output.Create(service.Ports.ToImmutableArray());
        ConfigFiles = Output.Create(service.Files.Select(f => f.HostPath).ToImmutableArray());
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["containerName"] = ContainerName,
            ["ports"] = Ports,
            ["configFiles"] = ConfigFiles,
        });
    }
}
