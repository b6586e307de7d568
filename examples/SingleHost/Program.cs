using System.Collections.Immutable;
using Infra.Components;
using Infra.Topology.Spec;
using Pulumi;

return await Deployment.RunAsync<SingleHostStack>();

/// <summary>The reference design's supervisord picture, as containers on this machine: haproxy in front of two apps and two CrateDB nodes.</summary>
public sealed class SingleHostStack : Stack
{
    public SingleHostStack()
    {
        var topology = new MicroblogTopology("single-host", new TopologyArgs
        {
            Layout = Layout.SingleHost,
            Hosts =
            {
                new HostArgs { Name = "localhost", Address = "127.0.0.1", Instances = new InstancesArgs { App = 2, Crate = 2 } },
            },
            Images = new ImagesArgs { App = "registry.example.com/microblog/app:1.0.0" },
            // pulumi config set --secret microblog:cratePassword "$(openssl rand -base64 24)"
            // The uid:gid the app image runs as: app.conf, which holds the password, is its alone.
            AppUser = "10001:10001",
            CratePassword = new Config("microblog").RequireSecret("cratePassword"),
        });
        FrontDoorUrls = topology.FrontDoorUrls;
    }

    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }
}
