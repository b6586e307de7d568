using System.Net;
using Infra.Topology.Spec;

namespace Infra.Topology.Model;

/// <summary>Derives hosts, instances and wiring from a valid spec. Same spec, same output, same order.</summary>
public static partial class TopologyResolver
{
    public const string LocalDockerEndpoint = "unix:///var/run/docker.sock";

    public static StackTopology Resolve(StackSpec spec)
    {
        var hosts = new List<Host>();
        var instances = new List<Instance>();
        var ordinals = new Dictionary<Role, int>();

        foreach (var hostSpec in spec.Hosts)
        {
            var roles = PortPlan.RolesOf(spec.Layout, hostSpec);
            hosts.Add(new Host(hostSpec.Name, hostSpec.Address, Access(hostSpec.Address, hostSpec.Ssh, hostSpec.DockerEndpoint), roles.ToEquatableArray()));
            var claims = PortPlan.For(spec.Ports, hostSpec, roles);
            foreach (var group in claims.GroupBy(c => (c.Role, c.Index)))
            {
                var ports = group.ToDictionary(c => c.Kind, c => c.Port);
                instances.Add(MakeInstance(hostSpec.Name, hostSpec.Address, group.Key.Role, group.Key.Index, ports, ordinals));
            }
        }

        if (spec.LoadBalancer is { } lb)
        {
            hosts.Add(new Host(lb.Name, lb.Address, Access(lb.Address, lb.Ssh, lb.DockerEndpoint), new[] { Role.LoadBalancer }.ToEquatableArray()));
            var ports = PortPlan.ForLoadBalancer(spec.Ports, lb).ToDictionary(c => c.Kind, c => c.Port);
            instances.Add(MakeInstance(lb.Name, lb.Address, Role.LoadBalancer, 0, ports, ordinals));
        }

        var wires = Wires(instances).ToList();
        if (spec.Monitoring is { } monitoring)
        {
            wires.AddRange(AddMonitoring(spec, monitoring, hosts, instances, ordinals));
        }

        return new StackTopology(spec, hosts.ToEquatableArray(), instances.ToEquatableArray(), wires.ToEquatableArray());
    }

    public static bool IsLoopback(string address) =>
        address == "localhost" || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));

    private static HostAccess Access(string address, SshSpec ssh, string? docker)
    {
        var local = IsLoopback(address);
        // A URL: an IPv6 address goes in brackets, with or without a port.
        var host = System.Net.IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
        var endpoint = docker ?? (local ? LocalDockerEndpoint : $"ssh://{ssh.User}@{host}" + (ssh.Port == 22 ? "" : $":{ssh.Port}"));
        return new HostAccess(local, endpoint, ssh);
    }

    private static Instance MakeInstance(string host, string address, Role role, int index, Dictionary<PortKind, int> ports, Dictionary<Role, int> ordinals)
    {
        var ordinal = ordinals[role] = ordinals.GetValueOrDefault(role) + 1;
        var port = ports[PortKind.Http];
        var name = role switch
        {
            Role.App or Role.Crate => $"{host}-{RoleName(role)}-{port}",
            _ => $"{host}-{RoleName(role)}",
        };
        return new Instance(
            name, role, host, address, index, ordinal, port,
            TransportPort: ports.TryGetValue(PortKind.Transport, out var transport) ? transport : null,
            PsqlPort: ports.TryGetValue(PortKind.Psql, out var psql) ? psql : null,
            TlsPort: ports.TryGetValue(PortKind.Https, out var tls) ? tls : null);
    }

    public static string RoleName(Role role) => role switch
    {
        Role.LoadBalancer => "lb",
        Role.Nginx => "nginx",
        Role.Haproxy => "haproxy",
        Role.App => "app",
        Role.Crate => "crate",
        Role.Prometheus => "prometheus",
        Role.Alertmanager => "alertmanager",
        Role.NodeExporter => "node-exporter",
        Role.NginxExporter => "nginx-exporter",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Who talks to whom on the serving path, as rules between roles: every stack's rules are those of these whose two roles it has.</summary>
    public static readonly IReadOnlyList<Wire> ServingWires =
    [
        new(Role.LoadBalancer, Role.Nginx, EdgeKind.Http, WireScope.All),
        // nginx proxies to the haproxy on its own host only.
        new(Role.Nginx, Role.Haproxy, EdgeKind.Http, WireScope.SameHost),
        new(Role.Haproxy, Role.App, EdgeKind.Http, WireScope.Subset),
        new(Role.App, Role.Crate, EdgeKind.Sql, WireScope.All),
        new(Role.Crate, Role.Crate, EdgeKind.Discovery, WireScope.Others),
    ];

    /// <summary>
    /// The roles whose instances connect to other hosts under some rule, in any stack: the serving path's, and
    /// Prometheus (scrapes and alerts, <see cref="AddMonitoring"/>). The firewall names one address set for each.
    /// </summary>
    public static readonly IReadOnlyList<Role> RemoteSourceRoles =
        ServingWires.Where(w => w.Scope != WireScope.SameHost).Select(w => w.From).Append(Role.Prometheus).Distinct().ToList();

    /// <summary>The stack's rules: those whose two roles it has.</summary>
    private static IEnumerable<Wire> Wires(IReadOnlyList<Instance> instances)
    {
        var roles = instances.Select(i => i.Role).ToHashSet();
        return ServingWires.Where(w => roles.Contains(w.From) && roles.Contains(w.To));
    }
}
