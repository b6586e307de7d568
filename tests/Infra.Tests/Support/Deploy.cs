using System.Collections.Immutable;
using System.Text.Json;
using Infra.Stacks;
using Pulumi;
using Pulumi.Testing;
using Pulumi.Utilities;

namespace Infra.Tests.Support;

/// <summary>A resource as the program declared it: its options (parent, provider, what it waits for), which mocks do not see.</summary>
public sealed record Declared(Resource Resource, ResourceArgs Args, ResourceOptions Options, ImmutableArray<Resource> DependsOn)
{
    public Resource? Parent => Options.Parent;

    public string Type => Resource.GetResourceType();

    public string Name => Resource.GetResourceName();
}

/// <summary>One mock deployment of the Pulumi program.</summary>
public sealed record Deployed(string StackName, ImmutableArray<Resource> Resources, RecordingMocks Mocks, IReadOnlyList<Declared> Declared)
{
    public T Get<T>(string name)
        where T : Resource => Resources.OfType<T>().Single(r => r.GetResourceName() == name);

    public Declared Of(string name) => Declared.Single(d => d.Name == name);

    public MicroblogStack Stack => Resources.OfType<MicroblogStack>().Single();

    /// <summary>A program's outputs (<see cref="Deploy.Program"/>).</summary>
    public IDictionary<string, object?> Outputs { get; init; } = new Dictionary<string, object?>();

    public Declared Of(Resource resource) => Declared.Single(d => d.Resource == resource);

    /// <summary>The engine's view: inputs of each registered resource by name, as canonical JSON.</summary>
    public IReadOnlyDictionary<string, string> Inputs => Mocks.Created.ToDictionary(c => c.Name!, c => Canonical.Json(c.Inputs));

    /// <summary><see cref="Inputs"/> of the stack-file program's resources, by their id in the plan.</summary>
    public IReadOnlyDictionary<string, string> InputsById => Mocks.Created
        .Where(c => c.Name!.StartsWith(Deploy.Prefix, StringComparison.Ordinal))
        .ToDictionary(c => c.Name![Deploy.Prefix.Length..], c => Canonical.Json(c.Inputs));
}

public static class Deploy
{
    public const string Project = "microblog-infra";

    /// <summary>What every resource name of the stack-file program starts with: its topology's name.</summary>
    public const string Prefix = MicroblogStack.TopologyName + "-";

    /// <summary>The stack-file program's resource for a plan id (a step, host or service).</summary>
    public static string Name(string planId) => Prefix + planId;

    /// <summary>The value `pulumi config set --secret microblog:cratePassword` holds in these tests.</summary>
    public const string CratePassword = "mock-secret-0123456789-abcdef";

    public static Task<Deployed> Stack(string stack) => Config(stack, PulumiConfigOf.StackFile(Repo.StackFile(stack)));

    /// <summary>The config plus the CrateDB password, decrypted, as the CLI hands a secret to the program.</summary>
    public static IReadOnlyDictionary<string, string> WithPassword(IReadOnlyDictionary<string, string> config) =>
        new Dictionary<string, string>(config) { [Topology.Spec.Secrets.CratePasswordKey] = CratePassword };

    /// <summary>Runs the stack-file program with the config the Pulumi CLI would hand it.</summary>
    /// <param name="password">Adds <see cref="CratePassword"/> as the secret microblog:cratePassword unless the config has one.</param>
    /// <param name="rootDirectory">The project folder the SDK says the program runs in (the CLI sets it; an inline program has none).</param>
    public static async Task<Deployed> Config(string stack, IReadOnlyDictionary<string, string> config, IMocks? mocks = null, bool password = true, string? rootDirectory = null)
    {
        if (password && !config.ContainsKey(Topology.Spec.Secrets.CratePasswordKey))
        {
            config = WithPassword(config);
        }

        var recording = mocks as RecordingMocks ?? new RecordingMocks();
        var recorder = new Recorder();
        var options = new StackOptions { ResourceTransformations = { recorder.Transformation } };
        SetConfig(config);
        var resources = await Deployment.TestWithServiceProviderAsync<MicroblogStack>(
            mocks ?? recording, new StackProvider(options), new TestOptions { IsPreview = false, ProjectName = Project, StackName = stack, RootDirectory = rootDirectory });
        return new Deployed(stack, resources, recording, await recorder.ResolveAsync());
    }

    /// <summary>
    /// Runs a program of its own: <paramref name="body"/> makes resources with the options it is given (their
    /// transformation records each resource under them) and returns the program's outputs.
    /// </summary>
    public static async Task<Deployed> Program(Func<ComponentResourceOptions, IDictionary<string, object?>> body, RecordingMocks? mocks = null, string stack = "dev",
        IReadOnlyDictionary<string, string>? config = null)
    {
        var recording = mocks ?? new RecordingMocks();
        var recorder = new Recorder();
        IDictionary<string, object?> outputs = new Dictionary<string, object?>();
        SetConfig(config ?? new Dictionary<string, string>());
        var (resources, _) = await Deployment.TestAsync(recording, new TestOptions { IsPreview = recording.Preview, ProjectName = Project, StackName = stack },
            () => outputs = body(new ComponentResourceOptions { ResourceTransformations = { recorder.Transformation } }));
        return new Deployed(stack, resources, recording, await recorder.ResolveAsync()) { Outputs = outputs };
    }

    /// <summary>Runs a program's stack class with its config, as `pulumi up` (or `preview`, with <see cref="RecordingMocks.Preview"/>) would.</summary>
    public static async Task<Deployed> Example<TStack>(RecordingMocks mocks, IReadOnlyDictionary<string, string> config, string stack = "dev")
        where TStack : Stack, new()
    {
        SetConfig(config);
        var resources = await Deployment.TestAsync<TStack>(mocks, new TestOptions { IsPreview = mocks.Preview, ProjectName = Project, StackName = stack });
        return new Deployed(stack, resources, mocks, []);
    }

    /// <summary>The SDK reads PULUMI_CONFIG when each test deployment starts, as a program the CLI launched does.</summary>
    private static void SetConfig(IReadOnlyDictionary<string, string> config)
    {
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", JsonSerializer.Serialize(config));
        Environment.SetEnvironmentVariable("PULUMI_CONFIG_SECRET_KEYS", JsonSerializer.Serialize(config.Keys.Where(k => k.EndsWith(":cratePassword", StringComparison.Ordinal))));
    }

    /// <summary>Records each resource as declared (its args and options), since the mock engine is not told its parent and dependencies.</summary>
    private sealed class Recorder
    {
        private readonly List<(Resource Resource, ResourceArgs Args, ResourceOptions Options)> _declared = [];

        public ResourceTransformation Transformation => args =>
        {
            if (args.Resource is not Pulumi.Stack)
            {
                lock (_declared)
                {
                    _declared.Add((args.Resource, args.Args, args.Options));
                }
            }

            return null;
        };

        public async Task<IReadOnlyList<Declared>> ResolveAsync()
        {
            var resolved = new List<Declared>();
            foreach (var (resource, args, options) in _declared)
            {
                resolved.Add(new Declared(resource, args, options, await OutputUtilities.GetValueAsync((Output<ImmutableArray<Resource>>)options.DependsOn)));
            }

            return resolved;
        }
    }

    private sealed class StackProvider(StackOptions options) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(MicroblogStack) ? new MicroblogStack(options) : null;
    }
}
