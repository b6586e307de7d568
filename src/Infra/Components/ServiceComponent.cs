using System.Collections.Immutable;
using Infra.Topology.Plan;
using Pulumi;

namespace Infra.Components;

public sealed class ServiceArgs
{
    public required ServicePlan Service { get; init; }
}

/// <summary>
/// One service of a host: the parent of its steps (config files, volume, container, ready check, reload or
/// restart), which <see cref="StepResources"/> makes from the plan.
/// </summary>
public abstract class ServiceComponent : ComponentResource
{
    [Output("containerName")]
    public Output<string> ContainerName { get; private set; }

    [Output("ports")]
    public Output<ImmutableArray<int>> Ports { get; private set; }

    [Output("configFiles")]
    public Output<ImmutableArray<string>> ConfigFiles { get; private set; }

    protected ServiceComponent(string type, string name, ServiceArgs args, ComponentResourceOptions? options)
        : base(type, name, options)
    {
        var service = args.Service;
        ContainerName = Output.Create(service.Container.Name);
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
