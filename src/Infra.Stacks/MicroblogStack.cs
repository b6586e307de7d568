using System.Collections.Immutable;
using Infra.Components;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Stacks;

/// <summary>
/// The program of this repository's stack files: stacks/Pulumi.&lt;stack&gt;.yaml, read through the SDK's config API,
/// checked by the core's loader, handed to one <see cref="MicroblogTopology"/>. Nothing is registered while any error
/// stands. Its resources keep the names and URNs earlier versions gave them (see <see cref="UpgradeAliases"/>).
/// </summary>
public sealed class MicroblogStack : Stack
{
    /// <summary>The topology's name, and so the first part of every resource's name.</summary>
    public const string TopologyName = "microblog";

    public MicroblogStack()
        : this(null)
    {
    }

    public MicroblogStack(StackOptions? options)
        : base(options)
    {
        var stack = Deployment.Instance.StackName;
        var config = new Config(PulumiConfigValues.Namespace);
        var result = SpecLoader.LoadPulumiConfig(StackConfig.Read(config, stack), stack);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        var passwordKey = PulumiConfigValues.OwnKey(Secrets.CratePasswordKey)!;
        if (result.Spec is { } loaded && loaded.Hosts.Any(h => h.CrateNodes > 0))
        {
            // Read here for its grammar only: what reaches a resource is the secret output.
            var password = config.Get(passwordKey);
            if (password is null)
            {
                errors.Add(Secrets.Missing(Secrets.CratePasswordKey));
            }
            else if (Secrets.CheckPassword(password) is { } problem)
            {
                errors.Add(problem);
            }
        }

        if (result.Spec is not { } spec || errors.Count > 0)
        {
            // One message per severity, a diagnostic per line: the SDK sends each log call on its own task, so
            // separate calls could reach the operator out of order.
            if (result.Warnings.Any())
            {
                Log.Warn(string.Join("\n", result.Warnings));
            }

            // A logged error fails the update; nothing has been registered.
            Log.Error(string.Join("\n", errors));
            FrontDoorUrls = HaproxyStatsUrls = CrateAdminUrls = PrometheusUrls = AlertmanagerUrls = Output.Create(ImmutableArray<string>.Empty);
            Services = Output.Create(ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>.Empty);
            return;
        }

        // The topology logs the warnings: it checks the same values again.
        var args = StackFileArgs.From(spec, config.GetSecret(passwordKey) is { } secret ? (Input<string>)secret : null, OtherStacks(spec));
        var topology = new MicroblogTopology(TopologyName, args, new ComponentResourceOptions { ResourceTransformations = { UpgradeAliases } });
        FrontDoorUrls = topology.FrontDoorUrls;
        HaproxyStatsUrls = topology.HaproxyStatsUrls;
        CrateAdminUrls = topology.CrateAdminUrls;
        PrometheusUrls = topology.PrometheusUrls;
        AlertmanagerUrls = topology.AlertmanagerUrls;
        Services = topology.Services;
    }

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

    /// <summary>The outputs of other stacks the stack file names (`fromStack`), by placeholder: one StackReference per stack.</summary>
    private static Dictionary<string, Input<string>> OtherStacks(StackSpec spec)
    {
        var references = spec.Deferred.Select(d => d.From!.Stack).Distinct(StringComparer.Ordinal)
            .ToDictionary(stack => stack, stack => new StackReference(stack), StringComparer.Ordinal);
        return spec.Deferred.ToDictionary(
            d => d.Placeholder,
            d => (Input<string>)references[d.From!.Stack].RequireOutput(d.From.Output).Apply(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// Before the components, this program named each resource by its plan id alone (`host1-docker`); the components
    /// name it after the topology (`microblog-host1-docker`). The old name is an alias, so a stack deployed by an
    /// earlier version is updated in place, never replaced. Parents and types are unchanged, so the name is all that moved.
    /// A step that had another id before (its former ids, aliases the components give) answers to that id alone too.
    /// </summary>
    private static ResourceTransformationResult? UpgradeAliases(ResourceTransformationArgs args)
    {
        var name = args.Resource.GetResourceName();
        const string Prefix = TopologyName + "-";
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        // The options are the component's own, made for this resource alone; their aliases are names only (StepResources).
        var formers = args.Options.Aliases.Select(Known).Select(alias => alias?.Name is { } former ? Known(former) : null)
            .OfType<string>().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        foreach (var former in formers.DefaultIfEmpty(name))
        {
            args.Options.Aliases.Add(new Alias { Name = former[Prefix.Length..] });
        }

        return new ResourceTransformationResult(args.Args, args.Options);
    }

    /// <summary>A value written in the program, as the components write their aliases: known at once.</summary>
    private static T? Known<T>(Input<T> input)
    {
        var value = Pulumi.Utilities.OutputUtilities.GetValueAsync(input.ToOutput());
        return value.IsCompletedSuccessfully ? value.Result : default;
    }
}
