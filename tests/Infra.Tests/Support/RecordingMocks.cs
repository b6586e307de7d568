using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Pulumi.Testing;

namespace Infra.Tests.Support;

/// <summary>Pulumi's engine stand-in: every resource's inputs come back as its state, and images get a stable id.</summary>
public sealed class RecordingMocks : IMocks
{
    private readonly List<MockResourceArgs> _created = [];

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

        var state = args.Inputs.ToBuilder();
        switch (args.Type)
        {
            case "docker:index/remoteImage:RemoteImage":
                state["imageId"] = ImageIdOf((string)args.Inputs["name"]);
                break;
            case "command:local:Command" or "command:remote:Command":
                state["stdout"] = "";
                state["stderr"] = "";
                break;
        }

        return Task.FromResult<(string?, object)>(($"{args.Name}-id", state.ToImmutable()));
    }

    public Task<object> CallAsync(MockCallArgs args) => Task.FromResult<object>(args.Args);
}
