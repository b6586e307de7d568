using System.Collections.Immutable;
using Infra.Planning;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>
/// One service of a host: its config files, data volume, container, the wait until it is ready, and what a config
/// change costs (reload or restart), each a resource named after the topology. Made by <see cref="HostStack"/>; made
/// alone (with the host's Docker provider in its options), it orders only its own steps, and its container runs the
/// image reference, which the engine must already have.
/// </summary>
public abstract class ServiceComponent : ComponentResource
{
    private protected ServiceComponent(string type, IReadOnlyCollection<Role> roles, string name, ServiceArgs args, ComponentResourceOptions? options)
        : this(type, name, args, Resolve(type, roles, name, args), options)
    {
    }

    private ServiceComponent(string type, string name, ServiceArgs args, (TopologyPlan Plan, ServicePlan Service) resolved, ComponentResourceOptions? options)
        : base(type, name, args, options)
    {
        var (plan, service) = resolved;
        Resources = plan.Plan.Steps
            .Where(step => step.Service == service.Name && step is not CommandStep { Purpose: CommandPurpose.Check })
            .Select(step => StepResources.Make(plan, step, this))
            .ToList();
        if (args.Plan is null)
        {
            plan.Scope.Seal(name);
        }

        var done = Output.All(Resources.Select(r => r.Id));
        ContainerName = Resources.OfType<Pulumi.Docker.Container>().Single().Name;
        Ports = done.Apply(_ => service.Ports.ToImmutableArray());
        ConfigFiles = done.Apply(_ => service.Files.Select(f => f.HostPath).ToImmutableArray());
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["containerName"] = ContainerName,
            ["ports"] = Ports,
            ["configFiles"] = ConfigFiles,
        });
    }

    /// <summary>The container's name on its host.</summary>
    [Output("containerName")]
    public Output<string> ContainerName { get; private set; }

    /// <summary>The host ports it serves on, once it is deployed.</summary>
    [Output("ports")]
    public Output<ImmutableArray<int>> Ports { get; private set; }

    /// <summary>Its config files on the host, once they are written.</summary>
    [Output("configFiles")]
    public Output<ImmutableArray<string>> ConfigFiles { get; private set; }

    /// <summary>Every resource the service made, in the plan's order.</summary>
    public IReadOnlyList<CustomResource> Resources { get; }

    private static (TopologyPlan, ServicePlan) Resolve(string type, IReadOnlyCollection<Role> roles, string name, ServiceArgs args)
    {
        var plan = args.Plan ?? TopologyPlan.Make(name, type, args.Topology, step => step.Service == args.Service && step is not CommandStep { Purpose: CommandPurpose.Check });
        var service = plan.Plan.Services.FirstOrDefault(s => s.Name == args.Service)
            ?? throw new RunException($"{type} {name}: the topology has no service \"{args.Service}\": one of {string.Join(", ", plan.Plan.Services.Where(s => roles.Contains(s.Role)).Select(s => s.Name))}");
        return roles.Contains(service.Role)
            ? (plan, service)
            : throw new RunException($"{type} {name}: {args.Service} is a {service.Role}, not what {type} deploys");
    }
}
