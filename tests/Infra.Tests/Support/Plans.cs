using System.Collections.Immutable;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;
using Pulumi.Utilities;

namespace Infra.Tests.Support;

/// <summary>The core's plan of a stack: what the Pulumi program is expected to deploy.</summary>
public static class Plans
{
    public static DeploymentPlan Of(string stack) => Planner.Plan(Repo.Topology(stack));

    /// <summary>The plan of one of <see cref="StackConfigs"/>, from the same config the program reads.</summary>
    public static DeploymentPlan OfConfig(string name)
    {
        var (stack, config) = StackConfigs.Of(name);
        var result = SpecLoader.LoadPulumiConfig(config, stack);
        Assert.True(result.Spec is not null, string.Join("\n", result.Errors));
        return Planner.Plan(TopologyResolver.Resolve(result.Spec));
    }

    /// <summary>
    /// The plan components make of <paramref name="args"/>, through the same args-to-config the library uses: with the
    /// placeholder of every value not known yet, and the values those placeholders stand for.
    /// </summary>
    public static DeploymentPlan OfArgs(Components.TopologyArgs args, string name)
    {
        var config = Planning.ArgsConfig.From(args, name);
        var result = SpecLoader.LoadPulumiConfig(config.Config, args.Stack ?? name, name, config.Deferred);
        Assert.True(result.Spec is not null, string.Join("\n", result.Errors));
        return Planner.Plan(TopologyResolver.Resolve(result.Spec));
    }

    public static Task<Deployed> Deploy(string name)
    {
        var (stack, config) = StackConfigs.Of(name);
        return Support.Deploy.Config(stack, config);
    }

    public static string ComponentOf(Role role) => role switch
    {
        Role.Nginx => "NginxProxy",
        Role.Haproxy or Role.LoadBalancer => "HaproxyBalancer",
        Role.App => "AppInstance",
        Role.Crate => "CrateNode",
        Role.Prometheus or Role.Alertmanager => "MonitoringServer",
        Role.NodeExporter or Role.NginxExporter => "MetricsExporter",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static Task<T> GetValueAsync<T>(this Output<T> output) => OutputUtilities.GetValueAsync(output);

    /// <summary>A list input the program left unset comes back from the mock engine as a default array.</summary>
    public static async Task<ImmutableArray<T>> ListAsync<T>(this Output<ImmutableArray<T>> output)
    {
        var items = await OutputUtilities.GetValueAsync(output);
        return items.IsDefault ? [] : items;
    }
}
