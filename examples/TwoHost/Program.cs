using System.Collections.Immutable;
using Infra.Components;
using Infra.Topology.Spec;
using Pulumi;

return await Deployment.RunAsync<TwoHostStack>();

/// <summary>The reference design's production picture: two hosts with nginx, haproxy, an app and a CrateDB node each, behind a load balancer.</summary>
public sealed class TwoHostStack : Stack
{
    public TwoHostStack()
    {
        var topology = new MicroblogTopology("two-host", new TopologyArgs
        {
            Layout = Layout.Colocated,
            Hosts =
            {
                new HostArgs { Name = "host1", Address = "192.0.2.11" },
                new HostArgs { Name = "host2", Address = "192.0.2.12" },
            },
            LoadBalancer = new LoadBalancerArgs { Name = "front", Address = "192.0.2.10" },
            Images = new ImagesArgs { App = "registry.example.com/microblog/app:1.0.0" },
            Crate = new CrateArgs { HeapSize = "2g" },
            // Where operators connect from: SSH on every host is open to these only (an example network: write yours).
            AdminSources = ["203.0.113.0/24"],
            // The uid:gid the app image runs as: app.conf, which holds the password, is its alone.
            AppUser = "10001:10001",
            CratePassword = new Config("microblog").RequireSecret("cratePassword"),
        });
        FrontDoorUrls = topology.FrontDoorUrls;
        CrateAdminUrls = topology.CrateAdminUrls;
    }

    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    [Output("crateAdminUrls")]
    public Output<ImmutableArray<string>> CrateAdminUrls { get; private set; }
}
