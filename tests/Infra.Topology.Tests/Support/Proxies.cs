using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Tests.Support;

/// <summary>The proxy tier's instances across the committed stacks, and their renderers called one by one.</summary>
public static class Proxies
{
    /// <summary>(stack, instance name) for every instance of the given roles in every committed stack.</summary>
    public static TheoryData<string, string> Cases(params Role[] roles)
    {
        var data = new TheoryData<string, string>();
        foreach (var stack in Repo.StackNames)
        {
            foreach (var instance in Repo.Topology(stack).Instances.Where(i => roles.Contains(i.Role)))
            {
                data.Add(stack, instance.Name);
            }
        }

        return data;
    }

    public static TheoryData<string, string> All() => Cases(Role.LoadBalancer, Role.Nginx, Role.Haproxy);

    public static TheoryData<string, string> Haproxies() => Cases(Role.Haproxy);

    public static TheoryData<string, string> LoadBalancers() => Cases(Role.LoadBalancer);

    public static TheoryData<string, string> Nginxes() => Cases(Role.Nginx);

    /// <summary>The file an instance gets (its path in the host's config folder) and its content.</summary>
    public static (string Path, string Content) Render(StackTopology topology, Instance instance) => instance.Role switch
    {
        Role.LoadBalancer => (FilePaths.LoadBalancer, LoadBalancerConfig.Render(topology, instance)),
        Role.Nginx => (FilePaths.Nginx, NginxConfig.Render(topology, instance)),
        Role.Haproxy => (FilePaths.Haproxy, HaproxyConfig.Render(topology, instance)),
        _ => throw new ArgumentException($"{instance.Name} is not a proxy", nameof(instance)),
    };

    /// <summary>The `server` lines of an haproxy config as (name, address:port, the rest).</summary>
    public static IReadOnlyList<(string Name, string Endpoint, string Options)> ServerLines(string config) =>
        config.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("server ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', 4))
            .Select(p => (p[1], p[2], p.Length > 3 ? p[3] : ""))
            .ToList();
}
