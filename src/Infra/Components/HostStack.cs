using System.Collections.Immutable;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

public sealed class HostStackArgs
{
    public required HostPlan Plan { get; init; }
}

/// <summary>
/// One host: the parent of its Docker engine, preparation, host-wide files, firewall and images, and of a
/// component per service it runs.
/// </summary>
public sealed class HostStack : ComponentResource
{
    [Output("dockerEndpoint")]
    public Output<string> DockerEndpoint { get; private set; }

    [Output("services")]
    public Output<ImmutableArray<string>> Services { get; private set; }

    public IReadOnlyList<ServiceComponent> ServiceComponents { get; }

    public HostStack(string name, HostStackArgs args, ComponentResourceOptions? options = null)
        : base("microblog:infra:HostStack", name, options)
    {
        var plan = args.Plan;
        ServiceComponents = plan.Services
            .Select(service => Component(service, new ComponentResourceOptions { Parent = this }))
            .ToList();

        DockerEndpoint = Output.Create(plan.Host.Access.DockerEndpoint);
        Services = Output.Create(plan.Services.Select(s => s.Name).ToImmutableArray());
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["dockerEndpoint"] = DockerEndpoint,
            ["services"] = Services,
        });
    }

    private static ServiceComponent Component(ServicePlan service, ComponentResourceOptions options)
    {
        var args = new ServiceArgs { Service = service };
        return service.Role switch
        {
            Role.Nginx => new NginxProxy(service.Name, args, options),
            Role.Haproxy or Role.LoadBalancer => new HaproxyBalancer(service.Name, args, options),
            Role.App => new AppInstance(service.Name, args, options),
            Role.Crate => new CrateNode(service.Name, args, options),
            Role.Prometheus or Role.Alertmanager => new MonitoringServer(service.Name, args, options),
            Role.NodeExporter or Role.NginxExporter => new MetricsExporter(service.Name, args, options),
            _ => throw new ArgumentOutOfRangeException(nameof(service), service.Role, null),
        };
    }
}
