using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Pulumi.Testing;

namespace Infra.Tests.Support;

/// <summary>
/// Pulumi's engine stand-in: every resource's inputs come back as its state, and images get a stable id. In a preview
/// (<see cref="Preview"/>) a new resource has no id and what only the provider knows (a command's stdout, an image's
/// id) is unknown, as the engine leaves them.
/// </summary>
public sealed class RecordingMocks : IMocks
{
    private readonly List<MockResourceArgs> _created = [];
    private readonly List<string> _events = [];

    public bool Preview { get; init; }

    /// <summary>Each other stack's outputs, by stack name, as a StackReference reads them.</summary>
    public Dictionary<string, Dictionary<string, object>> StackOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>What a command prints, by resource name, in an update.</summary>
    public Dictionary<string, string> Stdout { get; } = new(StringComparer.Ordinal);

    /// <summary>In the order the engine got them: "new &lt;name&gt;" for each resource, "outputs &lt;urn&gt;" for each component's outputs.</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    public IReadOnlyList<MockResourceArgs> Created
    {
        get
        {
            lock (_created)
            {
                return _created.ToList();
            }
        }
    }

    public static string ImageIdOf(string image) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image)));

    public Task<(string? id, object state)> NewResourceAsync(MockResourceArgs args)
    {
        lock (_created)
        {
            _created.Add(args);
        }

        lock (_events)
        {
            _events.Add($"new {args.Name}");
        }

        var state = args.Inputs.ToBuilder();
        if (Preview)
        {
            return Task.FromResult<(string?, object)>((null, state.ToImmutable()));
        }

        switch (args.Type)
        {
            case "pulumi:pulumi:StackReference":
                state["outputs"] = StackOutputs[(string)args.Inputs["name"]].ToImmutableDictionary();
                state["secretOutputNames"] = ImmutableArray<object>.Empty;
                break;
            case "docker:index/remoteImage:RemoteImage":
                state["imageId"] = ImageIdOf((string)args.Inputs["name"]);
                break;
            case "command:local:Command" or "command:remote:Command":
                state["stdout"] = Stdout.GetValueOrDefault(args.Name!, "");
                state["stderr"] = "";
                break;
        }

        return Task.FromResult<(string?, object)>(($"{args.Name}-id", state.ToImmutable()));
    }

    public Task RegisterResourceOutputs(MockRegisterResourceOutputsRequest args)
    {
        lock (_events)
        {
            _events.Add($"outputs {args.Urn}");
        }

        return Task.CompletedTask;
    }

    public Task<object> CallAsync(MockCallArgs args) => Task.FromResult<object>(args.Args);
}
