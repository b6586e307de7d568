using System.Collections.Immutable;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra;

/// <summary>Stack config -> the core's spec, topology and plan -> one <see cref="Components.StackComponent"/> mapping it. Nothing is deployed while any error stands.</summary>
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

    /// <summary>
    /// The stack's config through the SDK's config API: every `microblog:*` value by its key, secrets as secret outputs
    /// only. The names of the keys come from the environment the SDK itself reads them from (it has no API to list
    /// them), so a misspelt key is still reported; a secret's value is never taken from there.
    /// </summary>
    private static (Dictionary<string, string> Values, Dictionary<string, Output<string>> Secrets) ReadConfig(Config config)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, Output<string>>(StringComparer.Ordinal);
        foreach (var key in PulumiConfigValues.KeysFromEnvironment())
        {
            if (PulumiConfigValues.OwnKey(key) is not { } own)
            {
                // Another namespace (a provider's): its name is enough to flag near-misses of ours.
                values[key] = string.Empty;
            }
            else if (key == Secrets.CratePasswordKey)
            {
                secrets[key] = config.RequireSecret(own);
                values[key] = PulumiConfigValues.SecretMarker;
            }
            else
            {
                values[key] = config.Get(own) ?? string.Empty;
            }
        }

        return (values, secrets);
    }

    public MicroblogStack()
        : this(null)
    {
    }

    public MicroblogStack(StackOptions? options)
        : base(options)
    {
        var stack = Deployment.Instance.StackName;
        var config = new Config(PulumiConfigValues.Namespace);
        var (values, secrets) = ReadConfig(config);
        var result = SpecLoader.LoadPulumiConfig(values, stack);
        // One message per severity, a diagnostic per line: the SDK sends each log call on its own task, so
        // separate calls could reach the operator out of order.
        if (result.Warnings.Any())
        {
            Log.Warn(string.Join("\n", result.Warnings));
        }

        var errors = result.Errors.Select(e => e.ToString()).ToList();
        if (result.Spec is { } loaded && loaded.Hosts.Any(h => h.CrateNodes > 0))
        {
            // Read here for its grammar only: what reaches a resource is the secret output.
            var password = config.Get(PulumiConfigValues.OwnKey(Secrets.CratePasswordKey)!);
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
            // A logged error fails the update; nothing has been registered.
            Log.Error(string.Join("\n", errors));

            FrontDoorUrls = HaproxyStatsUrls = CrateAdminUrls = PrometheusUrls = AlertmanagerUrls = Output.Create(ImmutableArray<string>.Empty);
            Services = Output.Create(ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>.Empty);
            return;
        }

        var plan = Planner.Plan(TopologyResolver.Resolve(spec));
        var microblog = new Components.StackComponent("microblog", new Components.StackComponentArgs { Plan = plan, Secrets = secrets });
        FrontDoorUrls = microblog.FrontDoorUrls;
        HaproxyStatsUrls = microblog.HaproxyStatsUrls;
        CrateAdminUrls = microblog.CrateAdminUrls;
        PrometheusUrls = microblog.PrometheusUrls;
        AlertmanagerUrls = microblog.AlertmanagerUrls;
        Services = microblog.Services;
    }
}
