using System.Collections.Immutable;
using Infra.Components;
using Infra.Topology.Spec;
using Pulumi;

return await Deployment.RunAsync<ThreeHostStack>();

/// <summary>The two-host picture grown by a third host: every existing host's backends, seeds and firewall follow.</summary>
public sealed class ThreeHostStack : Stack
{
    public ThreeHostStack()
    {
        var topology = new MicroblogTopology("three-host", new TopologyArgs
        {
            Layout = Layout.Colocated,
            // Any number of hosts: a list built in C# is as good as one written out.
            Hosts = [.. Enumerable.Range(1, 3).Select(i => new HostArgs { Name = $"host{i}", Address = $"192.0.2.{10 + i}" })],
            LoadBalancer = new LoadBalancerArgs { Name = "front", Address = "192.0.2.10" },
            Images = new ImagesArgs { App = "registry.example.com/microblog/app:1.0.0" },
            Crate = new CrateArgs { HeapSize = "2g" },
            AdminSources = ["203.0.113.0/24"],
            // The uid:gid the app image runs as: app.conf, which holds the password, is its alone.
            AppUser = "10001:10001",
            CratePassword = new Config("microblog").RequireSecret("cratePassword"),
        });
        FrontDoorUrls = topology.FrontDoorUrls;
    }

    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }
}
