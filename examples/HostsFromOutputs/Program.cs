using System.Collections.Immutable;
using Infra.Components;
using Infra.Topology.Spec;
using Pulumi;
using Pulumi.Command.Local;

return await Deployment.RunAsync<HostsFromOutputsStack>();

/// <summary>
/// Two hosts whose addresses come from another resource: here a command that asks an inventory for them, one per line;
/// a VM's address output, or a StackReference's (`new StackReference("acme/vms/prod").RequireOutput("host1")`), works
/// alike. `pulumi preview` shows every resource before the addresses are known; what embeds an address is filled in
/// at deploy time and runs again when it changes.
/// </summary>
public sealed class HostsFromOutputsStack : Stack
{
    /// <summary>The inventory command's resource name.</summary>
    public const string Inventory = "inventory";

    public HostsFromOutputsStack()
    {
        var inventory = new Command(Inventory, new CommandArgs { Create = "cat inventory.txt" });
        var addresses = inventory.Stdout.Apply(text => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var topology = new MicroblogTopology("fleet", Topology(
            addresses.Apply(a => a[0]), addresses.Apply(a => a[1]), addresses.Apply(a => a[2]),
            new Config("microblog").RequireSecret("cratePassword")));
        FrontDoorUrls = topology.FrontDoorUrls;
    }

    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    /// <summary>The topology of two hosts and a load balancer at the addresses given: what it is does not depend on where they come from.</summary>
    public static TopologyArgs Topology(Input<string> host1, Input<string> host2, Input<string> front, Input<string> cratePassword) => new()
    {
        Layout = Layout.Colocated,
        // The plan needs each address's family before the address itself: it decides brackets, listeners and firewall rules.
        Hosts =
        {
            new HostArgs { Name = "host1", Address = host1, Family = IpFamily.IPv4 },
            new HostArgs { Name = "host2", Address = host2, Family = IpFamily.IPv4 },
        },
        LoadBalancer = new LoadBalancerArgs { Name = "front", Address = front, Family = IpFamily.IPv4 },
        Images = new ImagesArgs { App = "registry.example.com/microblog/app:1.0.0" },
        AdminSources = ["203.0.113.0/24"],
        // The uid:gid the app image runs as: app.conf, which holds the password, is its alone.
        AppUser = "10001:10001",
        CratePassword = cratePassword,
    };
}
