using System.Collections.Immutable;
using Infra.Topology.Plan;
using Pulumi;

namespace Infra.Components;

public sealed class StackComponentArgs
{
    public required DeploymentPlan Plan { get; init; }

    /// <summary>Each secret the plan's steps name (by its full config key), as Pulumi secret outputs.</summary>
    public IReadOnlyDictionary<string, Output<string>> Secrets { get; init; } = new Dictionary<string, Output<string>>();
}

/// <summary>
/// The whole stack (Pulumi type microblog:infra:Topology; the class has its own name, clear of the Infra.Topology
/// namespace): a HostStack per host, a component per service under it, and every step of the plan as a
/// resource under the component it belongs to; the post-update checks, which look at the whole stack, under this one.
/// </summary>
public sealed class StackComponent : ComponentResource
{
    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    /// <summary>The firewall lets only the host itself reach these: open them from a shell on that host.</summary>
    [Output("haproxyStatsUrlsFromHostOnly")]
    public Output<ImmutableArray<string>> HaproxyStatsUrls { get; private set; }

    [Output("crateAdminUrls")]
    public Output<ImmutableArray<string>> CrateAdminUrls { get; private set; }

    /// <summary>Empty without microblog:monitoring; reachable from microblog:adminSources only.</summary>
    [Output("prometheusUrls")]
    public Output<ImmutableArray<string>> PrometheusUrls { get; private set; }

    [Output("alertmanagerUrls")]
    public Output<ImmutableArray<string>> AlertmanagerUrls { get; private set; }

    /// <summary>Host -> its services -> their ports.</summary>
    [Output("services")]
    public Output<ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>> Services { get; private set; }

    public IReadOnlyList<HostStack> Hosts { get; }

    public StepResources Steps { get; }

    public StackComponent(string name, StackComponentArgs args, ComponentResourceOptions? options = null)
        : base("microblog:infra:Topology", name, options)
    {
        var plan = args.Plan;
        // Components first: a resource's parent must be registered before it.
        var hosts = plan.Hosts.ToDictionary(
            h => h.Host.Name,
            h => new HostStack(h.Host.Name, new HostStackArgs { Plan = h }, new ComponentResourceOptions { Parent = this }),
            StringComparer.Ordinal);
        var services = hosts.Values
            .SelectMany(h => h.ServiceComponents)
            .ToDictionary(s => s.GetResourceName(), s => s, StringComparer.Ordinal);

        Hosts = hosts.Values.ToList();
        Steps = StepResources.Map(plan.Steps, args.Secrets, step => step switch
        {
            CommandStep { Purpose: CommandPurpose.Check } or { Host: null } => this,
            { Service: { } service } => services[service],
            _ => hosts[step.Host],
        });

        var outputs = plan.Outputs;
        FrontDoorUrls = Output.Create(outputs.FrontDoorUrls.ToImmutableArray());
        HaproxyStatsUrls = Output.Create(outputs.HaproxyStatsUrls.ToImmutableArray());
        CrateAdminUrls = Output.Create(outputs.CrateAdminUrls.ToImmutableArray());
        PrometheusUrls = Output.Create(outputs.PrometheusUrls.ToImmutableArray());
        AlertmanagerUrls = Output.Create(outputs.AlertmanagerUrls.ToImmutableArray());
        Services = Output.Create(plan.Hosts.ToImmutableDictionary(
            h => h.Host.Name,
            h => h.Services.ToImmutableDictionary(s => s.Name, s => s.Ports.ToImmutableArray())));
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["frontDoorUrls"] = FrontDoorUrls,
            ["haproxyStatsUrlsFromHostOnly"] = HaproxyStatsUrls,
            ["crateAdminUrls"] = CrateAdminUrls,
            ["prometheusUrls"] = PrometheusUrls,
            ["alertmanagerUrls"] = AlertmanagerUrls,
            ["services"] = Services,
        });
    }
}
