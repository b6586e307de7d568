using Infra.Topology.Spec;

namespace Infra.Topology.Model;

/// <summary>
/// The monitoring part of a topology (`microblog:monitoring`): Prometheus and Alertmanager on their host, a node
/// exporter on every host, an nginx exporter next to every nginx, a metrics port on every haproxy (and CrateDB node
/// when the stack names one), and a Scrape edge for each thing Prometheus reads. A stack without the key gets none of it.
/// </summary>
public static partial class TopologyResolver
{
    /// <summary>One monitoring port a host takes, and the stack-file key that moves it.</summary>
    public sealed record MonitoringClaim(Role Role, int Index, int Port, string Key);

    /// <summary>
    /// The monitoring ports on one host, from its roles: the resolver and the validator both use this, so they
    /// cannot disagree. <paramref name="crateNodes"/> CrateDB nodes take consecutive metrics ports, like their other ports.
    /// </summary>
    public static IReadOnlyList<MonitoringClaim> MonitoringClaims(MonitoringSpec monitoring, IReadOnlyList<Role> roles, int crateNodes, bool monitoringHost)
    {
        const string Ports = SpecBinder.Namespace + ":monitoring.ports";
        var p = monitoring.Ports;
        var claims = new List<MonitoringClaim>();
        if (roles.Contains(Role.Haproxy) || roles.Contains(Role.LoadBalancer))
        {
            claims.Add(new(roles.Contains(Role.Haproxy) ? Role.Haproxy : Role.LoadBalancer, 0, p.HaproxyMetrics, $"{Ports}.haproxyMetrics"));
        }

        if (roles.Contains(Role.Crate) && monitoring.CrateMetricsPort is { } crate)
        {
            claims.AddRange(Enumerable.Range(0, crateNodes).Select(i => new MonitoringClaim(Role.Crate, i, crate + i, $"{SpecBinder.Namespace}:monitoring.crateMetricsPort")));
        }

        if (roles.Contains(Role.Nginx))
        {
            claims.Add(new(Role.NginxExporter, 0, p.NginxExporter, $"{Ports}.nginxExporter"));
        }

        claims.Add(new(Role.NodeExporter, 0, p.NodeExporter, $"{Ports}.nodeExporter"));
        if (monitoringHost)
        {
            claims.Add(new(Role.Prometheus, 0, p.Prometheus, $"{Ports}.prometheus"));
            claims.Add(new(Role.Alertmanager, 0, p.Alertmanager, $"{Ports}.alertmanager"));
        }

        return claims;
    }

    private static IEnumerable<Wire> AddMonitoring(StackSpec spec, MonitoringSpec monitoring, List<Host> hosts, List<Instance> instances, Dictionary<Role, int> ordinals)
    {
        if (monitoring.OwnHost is { } own)
        {
            hosts.Add(new Host(own.Name, own.Address, Access(own.Address, own.Ssh, own.DockerEndpoint), EquatableArray<Role>.Empty));
        }

        var added = new List<Instance>();
        for (var h = 0; h < hosts.Count; h++)
        {
            var host = hosts[h];
            var isMonitoringHost = host.Name == monitoring.HostName;
            var roles = host.Roles.ToList();
            var onHost = instances.Where(i => i.Host == host.Name).ToList();
            var crateCount = onHost.Count(i => i.Role == Role.Crate);
            var claims = MonitoringClaims(monitoring, roles, crateCount, isMonitoringHost);
            for (var i = 0; i < instances.Count; i++)
            {
                var instance = instances[i];
                if (instance.Host == host.Name && claims.FirstOrDefault(c => c.Role == instance.Role && c.Index == instance.Index) is { } metrics)
                {
                    instances[i] = instance with { MetricsPort = metrics.Port };
                }
            }

            var monitoringRoles = new List<Role>();
            foreach (var claim in claims.Where(c => c.Role.IsMonitoring()))
            {
                var ordinal = ordinals[claim.Role] = ordinals.GetValueOrDefault(claim.Role) + 1;
                added.Add(new Instance($"{host.Name}-{RoleName(claim.Role)}", claim.Role, host.Name, host.Address, 0, ordinal, claim.Port));
                monitoringRoles.Add(claim.Role);
            }

            hosts[h] = host with { Roles = roles.Concat(monitoringRoles).ToEquatableArray() };
        }

        instances.AddRange(added);
        // Role-level rules, as the serving path's: Prometheus scrapes every instance of each scraped role.
        foreach (var role in instances.Where(i => IsScraped(spec, monitoring, i)).Select(i => i.Role).Distinct())
        {
            yield return new Wire(Role.Prometheus, role, EdgeKind.Scrape, WireScope.All);
        }

        yield return new Wire(Role.Prometheus, Role.Alertmanager, EdgeKind.Alert, WireScope.All);
    }

    private static bool IsScraped(StackSpec spec, MonitoringSpec monitoring, Instance instance) => instance.Role switch
    {
        Role.LoadBalancer or Role.Haproxy or Role.NodeExporter or Role.NginxExporter or Role.Alertmanager => true,
        Role.App => monitoring.AppMetricsPath is not null,
        Role.Crate => monitoring.CrateMetricsPort is not null,
        _ => false,
    };
}
