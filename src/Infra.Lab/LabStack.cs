using Infra.Topology;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Lab;

/// <summary>
/// A committed stack placed on a lab: each host (and the load balancer) gets a namespace and the spec gets
/// the lab's addresses instead of the stack file's; stacks on 127.0.0.1 keep theirs and run on the
/// namespace's loopback. The programs become the test app, the CrateDB double and the real haproxy.
/// </summary>
public static class LabStack
{
    public static CommandSpec TestCommands => new(App: Binaries.TestApp, Crate: Binaries.CrateDouble, Haproxy: "haproxy");

    public static StackSpec WithLabAddresses(StackSpec spec, IReadOnlyDictionary<string, string> addresses) => spec with
    {
        Hosts = spec.Hosts.Select(h => TopologyResolver.IsLoopback(h.Address) ? h : h with { Address = addresses[h.Name] }).ToEquatableArray(),
        LoadBalancer = spec.LoadBalancer is { } lb && !TopologyResolver.IsLoopback(lb.Address) ? lb with { Address = addresses[lb.Name] } : spec.LoadBalancer,
        Monitoring = spec.Monitoring is { OwnHost: { } own } monitoring && !TopologyResolver.IsLoopback(own.Address)
            ? monitoring with { OwnHost = own with { Address = addresses[own.Name] } }
            : spec.Monitoring,
    };

    /// <summary>Adds a lab host for every host of the spec not yet in the lab, rewrites addresses and commands, and resolves.</summary>
    public static StackTopology Place(NetnsLab lab, StackSpec spec)
    {
        var names = spec.Hosts.Select(h => h.Name).ToList();
        if (spec.LoadBalancer is { } lb)
        {
            names.Insert(0, lb.Name);
        }

        if (spec.Monitoring?.OwnHost is { } monitoring)
        {
            names.Add(monitoring.Name);
        }

        var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var host = lab.Hosts.FirstOrDefault(h => h.Name == name) ?? lab.AddHost(name);
            addresses[name] = host.Address;
        }

        return TopologyResolver.Resolve(WithLabAddresses(spec, addresses) with { Commands = TestCommands });
    }
}
