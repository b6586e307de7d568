using YamlDotNet.Serialization;

namespace Infra.Bench.Growth;

/// <summary>
/// The stack file of a colocated topology with N hosts behind one load balancer, as an operator would write
/// it. Addresses are text only: nothing is contacted.
/// </summary>
public static class ColocatedStack
{
    public static string Name(int hosts) => $"colocated-{hosts}";

    public static string FileName(int hosts) => $"stacks/Pulumi.{Name(hosts)}.yaml";

    public static string Yaml(int hosts) => Yaml(hosts, i => $"10.0.{i / 250}.{(i % 250) + 1}", "198.51.100.10");

    /// <summary>Hosts host1..hostN at <paramref name="address"/>(0..N-1), the load balancer `front` at <paramref name="lbAddress"/>.</summary>
    public static string Yaml(int hosts, Func<int, string> address, string lbAddress)
    {
        var list = Enumerable.Range(0, hosts)
            .Select(i => new Dictionary<string, object> { ["name"] = $"host{i + 1}", ["address"] = address(i) })
            .ToList();
        var config = new Dictionary<string, object>
        {
            ["microblog:layout"] = "colocated",
            ["microblog:images"] = new Dictionary<string, object> { ["app"] = "registry.example.com/microblog/app:1.0.0" },
            ["microblog:loadBalancer"] = new Dictionary<string, object> { ["name"] = "front", ["address"] = lbAddress },
            ["microblog:hosts"] = list,
        };
        return new SerializerBuilder().Build().Serialize(new Dictionary<string, object> { ["config"] = config });
    }
}
