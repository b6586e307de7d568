using System.Collections.Immutable;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra;

/// <summary>Stack config -> the core's spec, topology and plan -> one Topology component mapping it. Nothing is deployed while any error stands.</summary>
public sealed class MicroblogStack : Stack
{
    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    [Output("haproxyStatsUrlsFromHostOnly")]
    public Output<ImmutableArray<string>> HaproxyStatsUrls { get; private set; }

    [Output("crateAdminUrls")]
    public Output<ImmutableArray<string>> CrateAdminUrls { get; private set; }

    /// <summary>Empty without microblog:monitoring.</summary>
    [Output("prometheusUrls")]
    public Output<ImmutableArray<string>> PrometheusUrls { get; private set; }

    [Output("alertmanagerUrls")]
    public Output<ImmutableArray<string>> AlertmanagerUrls { get; private set; }

    [Output("services")]
    public Output<ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>> Services { get; private set; }

    public MicroblogStack()
        : this(null)
    {
    }

    public MicroblogStack(StackOptions? options)
        : base(options)
    {
        var stack = Deployment.Instance.StackName;
        // Every key goes to the loader: it reads `microblog:*`, ignores providers' namespaces and flags near-misses of ours.
        var result = SpecLoader.LoadPulumiConfig(PulumiConfigValues.FromEnvironment(), stack);
        // One message per severity, a diagnostic per line: the SDK sends each log call on its own task, so
        // separate calls could reach the operator out of order.
        if (result.Warnings.Any())
        {
            Log.Warn(string.Join("\n", result.Warnings));
        }

        if (result.Spec is not { } spec)
        {
            // A logged error fails the update; nothing has been registered.
            Log.Error(string.Join("\n", result.Errors));

            FrontDoorUrls = HaproxyStatsUrls = CrateAdminUrls = PrometheusUrls = AlertmanagerUrls = Output.Create(ImmutableArray<string>.Empty);
            Services = Output.Create(ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>.Empty);
            return;
        }

        var plan = Planner.Plan(TopologyResolver.Resolve(spec));
        var microblog = new Components.StackComponent("microblog", new Components.StackComponentArgs { Plan = plan });
        FrontDoorUrls = microblog.FrontDoorUrls;
        HaproxyStatsUrls = microblog.HaproxyStatsUrls;
        CrateAdminUrls = microblog.CrateAdminUrls;
        PrometheusUrls = microblog.PrometheusUrls;
        AlertmanagerUrls = microblog.AlertmanagerUrls;
        Services = microblog.Services;
    }
}
