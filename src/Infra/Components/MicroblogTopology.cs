using System.Collections.Immutable;
using Infra.Planning;
using Infra.Topology.Plan;
using Pulumi;

namespace Infra.Components;

/// <summary>
/// A whole topology (microblog:infra:Topology): a <see cref="HostStack"/> per host, each with a component per service,
/// in any of the four layouts, and the post-update checks that look at all of it. Every resource is named
/// &lt;name&gt;-&lt;its id in the plan&gt; (`infra plan` prints the ids), so two topologies in one program never collide.
/// Containers roll out across every host in waves per role (`Rollout`), as the plan orders them; the outputs resolve once the
/// deployment's checks have passed.
/// </summary>
public sealed class MicroblogTopology : ComponentResource
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:Topology";

    /// <summary>Plans <paramref name="args"/> (every problem at once, before anything is registered) and deploys them.</summary>
    public MicroblogTopology(string name, TopologyArgs args, ComponentResourceOptions? options = null)
        : this(name, args, TopologyPlan.Make(name, Type, args), options)
    {
    }

    private MicroblogTopology(string name, TopologyArgs args, TopologyPlan plan, ComponentResourceOptions? options)
        : base(Type, name, args, options)
    {
        plan.TopologyComponent = this;
        Hosts = plan.Plan.Hosts
            .Select(h => new HostStack(plan.NameOf(h.Host.Name), new HostStackArgs { Topology = args, Host = h.Host.Name, Plan = plan }, new ComponentResourceOptions { Parent = this }))
            .ToList();
        Resources = plan.Plan.Steps
            .Where(step => step is CommandStep { Purpose: CommandPurpose.Check } || step.Host is null)
            .Select(step => StepResources.Make(plan, step, this))
            .ToList();
        plan.Scope.Seal(name);

        // Every check passes only once the whole topology is deployed: what is read from here waits for that.
        var done = Output.All(Resources.Select(r => r.Id));
        var outputs = plan.Plan.Outputs;
        FrontDoorUrls = Urls(plan, done, outputs.FrontDoorUrls);
        HaproxyStatsUrls = Urls(plan, done, outputs.HaproxyStatsUrls);
        CrateAdminUrls = Urls(plan, done, outputs.CrateAdminUrls);
        PrometheusUrls = Urls(plan, done, outputs.PrometheusUrls);
        AlertmanagerUrls = Urls(plan, done, outputs.AlertmanagerUrls);
        Services = done.Apply(_ => plan.Plan.Hosts.ToImmutableDictionary(
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

    /// <summary>Where clients reach the topology: the load balancer, else haproxy (single-host), else the app (dev).</summary>
    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    /// <summary>Each haproxy's stats page; the firewall lets only the host itself reach it: open it from a shell there.</summary>
    [Output("haproxyStatsUrlsFromHostOnly")]
    public Output<ImmutableArray<string>> HaproxyStatsUrls { get; private set; }

    /// <summary>Each CrateDB node's admin UI; reachable only from app and CrateDB hosts.</summary>
    [Output("crateAdminUrls")]
    public Output<ImmutableArray<string>> CrateAdminUrls { get; private set; }

    /// <summary>Empty when not monitored; reachable from the admin sources only.</summary>
    [Output("prometheusUrls")]
    public Output<ImmutableArray<string>> PrometheusUrls { get; private set; }

    /// <summary>Empty when not monitored; reachable from the admin sources only.</summary>
    [Output("alertmanagerUrls")]
    public Output<ImmutableArray<string>> AlertmanagerUrls { get; private set; }

    /// <summary>Host -> its services -> their ports.</summary>
    [Output("services")]
    public Output<ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>> Services { get; private set; }

    /// <summary>A component per host, in the plan's order.</summary>
    public IReadOnlyList<HostStack> Hosts { get; }

    /// <summary>The topology's own resources: the post-update checks.</summary>
    public IReadOnlyList<CustomResource> Resources { get; }

    private static Output<ImmutableArray<string>> Urls(TopologyPlan plan, Output<ImmutableArray<string>> done, IEnumerable<string> urls) =>
        Output.Tuple(done, Output.All(urls.Select(plan.Fill))).Apply(t => t.Item2);
}
