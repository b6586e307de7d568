using System.Collections.Immutable;
using Infra.Components;
using Infra.Topology.Spec;
using Pulumi;

return await Deployment.RunAsync<SplitRoleStack>();

/// <summary>The reference design's distributed picture: reverse-proxy hosts (nginx + haproxy), app hosts and CrateDB hosts.</summary>
public sealed class SplitRoleStack : Stack
{
    public SplitRoleStack()
    {
        HostArgs Host(string name, string address, HostRole role) => new() { Name = name, Address = address, Roles = [role] };

        var topology = new MicroblogTopology("split-role", new TopologyArgs
        {
            Layout = Layout.SplitRole,
            Hosts =
            {
                Host("rp-host1", "192.0.2.21", HostRole.Proxy),
                Host("rp-host2", "192.0.2.22", HostRole.Proxy),
                Host("app-host1", "192.0.2.31", HostRole.App),
                Host("app-host2", "192.0.2.32", HostRole.App),
                Host("crate-host1", "192.0.2.41", HostRole.Crate),
                Host("crate-host2", "192.0.2.42", HostRole.Crate),
            },
            LoadBalancer = new LoadBalancerArgs { Name = "front", Address = "192.0.2.10" },
            Images = new ImagesArgs { App = "registry.example.com/microblog/app:1.0.0" },
            Crate = new CrateArgs { HeapSize = "4g" },
            AdminSources = ["203.0.113.0/24"],
            // The uid:gid the app image runs as: app.conf, which holds the password, is its alone.
            AppUser = "10001:10001",
            CratePassword = new Config("microblog").RequireSecret("cratePassword"),
        });
        FrontDoorUrls = topology.FrontDoorUrls;
        Services = topology.Services;
    }

    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    [Output("services")]
    public Output<ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>> Services { get; private set; }
}
