using System.Collections.Immutable;
using Infra.Planning;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>
/// One host (microblog:infra:HostStack): its Docker engine (a Docker provider), preparation, host-wide files, firewall,
/// images, and a component per service it runs, every resource named after the topology. Made by
/// <see cref="MicroblogTopology"/>; made alone (a single-host topology), it orders its own steps only.
/// </summary>
public sealed class HostStack : ComponentResource
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:HostStack";

    /// <summary>Deploys host <see cref="HostStackArgs.Host"/> of <see cref="HostStackArgs.Topology"/>.</summary>
    public HostStack(string name, HostStackArgs args, ComponentResourceOptions? options = null)
        : this(name, args, Resolve(name, args), options)
    {
    }

    private HostStack(string name, HostStackArgs args, (TopologyPlan Plan, HostPlan Host) resolved, ComponentResourceOptions? options)
        : base(Type, name, args, options)
    {
        var (plan, host) = resolved;
        var hostName = host.Host.Name;
        Resources = plan.Plan.Steps
            .Where(step => step.Host == hostName && step.Service is null && step is not CommandStep { Purpose: CommandPurpose.Check })
            .Select(step => StepResources.Make(plan, step, this))
            .ToList();
        var engine = Resources.OfType<Pulumi.Docker.Provider>().Single();
        ServiceComponents = host.Services
            .Select(service => Service(service, new ServiceArgs { Topology = args.Topology, Service = service.Name, Plan = plan },
                new ComponentResourceOptions { Parent = this, Provider = engine }, plan.NameOf(service.Name)))
            .ToList();
        if (args.Plan is null)
        {
            plan.Scope.Seal(name);
        }

        var done = Output.All(Resources.Concat(ServiceComponents.SelectMany(s => s.Resources)).Select(r => r.Id));
        DockerEndpoint = engine.Host.Apply(endpoint => endpoint ?? "");
        Services = done.Apply(_ => host.Services.Select(s => s.Name).ToImmutableArray());
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["dockerEndpoint"] = DockerEndpoint,
            ["services"] = Services,
        });
    }

    /// <summary>How Docker is reached on the host (ssh://user@address, or the local socket).</summary>
    [Output("dockerEndpoint")]
    public Output<string> DockerEndpoint { get; private set; }

    /// <summary>The services the host runs, once they are deployed.</summary>
    [Output("services")]
    public Output<ImmutableArray<string>> Services { get; private set; }

    /// <summary>The host's own resources: engine, preparation, files, firewall, images.</summary>
    public IReadOnlyList<CustomResource> Resources { get; }

    /// <summary>A component per service, in the plan's order.</summary>
    public IReadOnlyList<ServiceComponent> ServiceComponents { get; }

    private static ServiceComponent Service(ServicePlan service, ServiceArgs args, ComponentResourceOptions options, string name) => service.Role switch
    {
        Role.Nginx => new NginxProxy(name, args, options),
        Role.Haproxy or Role.LoadBalancer => new HaproxyBalancer(name, args, options),
        Role.App => new AppInstance(name, args, options),
        Role.Crate => new CrateNode(name, args, options),
        Role.Prometheus or Role.Alertmanager => new MonitoringServer(name, args, options),
        Role.NodeExporter or Role.NginxExporter => new MetricsExporter(name, args, options),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service.Role, null),
    };

    private static (TopologyPlan, HostPlan) Resolve(string name, HostStackArgs args)
    {
        var plan = args.Plan ?? TopologyPlan.Make(name, Type, args.Topology, step => step.Host == args.Host && step is not CommandStep { Purpose: CommandPurpose.Check });
        var host = plan.Plan.Hosts.FirstOrDefault(h => h.Host.Name == args.Host)
            ?? throw new RunException($"{Type} {name}: the topology has no host \"{args.Host}\": one of {string.Join(", ", plan.Plan.Hosts.Select(h => h.Host.Name))}");
        return (plan, host);
    }
}
