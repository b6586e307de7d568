using System.Text;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Live.Tests.Harness;

/// <summary>
/// Every port of every instance tried from every other host and from the outside: each must answer exactly where the
/// design says (front door: anyone; nginx: the load balancer; haproxy: nginx hosts; apps: haproxy hosts; CrateDB
/// http/psql: app and CrateDB hosts; transport: CrateDB hosts). The same for processes and for containers.
/// </summary>
public static class FirewallMatrix
{
    public static readonly TimeSpan Probe = TimeSpan.FromMilliseconds(700);

    /// <returns>The places probed from: every host of the topology and the outside.</returns>
    public static async Task<IReadOnlyList<LabHost>> PortsAnswerExactlyTheirWiredSources(NetnsLab lab, StackTopology topology, ITestOutputHelper output)
    {
        var froms = topology.Hosts.Select(h => lab[h.Name]).Append(lab.Outside).ToList();
        var probes = new List<(Instance Instance, string Kind, int Port, LabHost From, bool Expected)>();
        foreach (var instance in topology.Instances)
        {
            foreach (var (kind, port) in PortsOf(instance))
            {
                var allowed = AllowedHosts(topology, instance, kind);
                foreach (var from in froms.Where(f => f.Name != instance.Host))
                {
                    probes.Add((instance, kind, port, from, allowed is null || allowed.Contains(from.Name)));
                }
            }
        }

        var answers = await Task.WhenAll(probes.Select(p => NetnsLab.CanConnect(p.From, p.Instance.Address, p.Port, Probe)));
        var table = new StringBuilder();
        foreach (var group in probes.Zip(answers).GroupBy(x => (x.First.Instance.Name, x.First.Kind, x.First.Port)))
        {
            table.AppendLine($"  {group.Key.Name} {group.Key.Kind} :{group.Key.Port} answers {string.Join(", ", group.Where(x => x.Second).Select(x => x.First.From.Name).DefaultIfEmpty("no other host"))}");
        }

        output.WriteLine($"{probes.Count} connection attempts from {froms.Count} places:\n{table}");
        var wrong = probes.Zip(answers).Where(x => x.First.Expected != x.Second)
            .Select(x => $"{x.First.Instance.Name} {x.First.Kind} :{x.First.Port} from {x.First.From.Name}: {(x.Second ? "answered" : "did not answer")}, expected {(x.First.Expected ? "to" : "not to")}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Contains(probes.Zip(answers), x => !x.Second);
        return froms;
    }

    public static IEnumerable<(string Kind, int Port)> PortsOf(Instance instance)
    {
        yield return ("http", instance.Port);
        if (instance.TransportPort is { } transport)
        {
            yield return ("transport", transport);
        }

        if (instance.PsqlPort is { } psql)
        {
            yield return ("psql", psql);
        }

        if (instance.TlsPort is { } tls)
        {
            yield return ("https", tls);
        }
    }

    /// <summary>The hosts that need a port, from the wiring; null for the front door, which everyone may reach.</summary>
    public static HashSet<string>? AllowedHosts(StackTopology topology, Instance instance, string kind)
    {
        if (topology.FrontDoor.Contains(instance))
        {
            return null;
        }

        if (instance.Role == Role.Crate)
        {
            var crates = topology.Of(Role.Crate).Select(c => c.Host);
            return (kind == "transport" ? crates : crates.Concat(topology.Of(Role.App).Select(a => a.Host))).ToHashSet();
        }

        return topology.Sources(instance).Select(s => s.Host).ToHashSet();
    }
}
