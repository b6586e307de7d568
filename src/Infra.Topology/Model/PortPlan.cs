using Infra.Topology.Spec;

namespace Infra.Topology.Model;

/// <summary>
/// Which host ports each instance on a host takes: instances of one role on one host count up from the
/// role's base port. The resolver and the validator both use this, so they cannot disagree.
/// </summary>
public static class PortPlan
{
    /// <summary>One port one instance wants, and the keys an operator would change to move it.</summary>
    public sealed record Claim(Role Role, int Index, PortKind Kind, int Port, string BaseKey);

    public static IReadOnlyList<Role> RolesOf(Layout layout, HostSpec host) => layout switch
    {
        Layout.Dev => [Role.App, Role.Crate],
        Layout.SingleHost => [Role.Haproxy, Role.App, Role.Crate],
        Layout.Colocated => [Role.Nginx, Role.Haproxy, Role.App, Role.Crate],
        _ => host.Roles.OrderBy(r => r).ToList(),
    };

    public static int CountOf(Role role, HostSpec host, IReadOnlyList<Role> roles) =>
        !roles.Contains(role) ? 0 : role switch
        {
            Role.App => host.AppInstances,
            Role.Crate => host.CrateNodes,
            _ => 1,
        };

    public static IReadOnlyList<Claim> For(PortSpec ports, HostSpec host, IReadOnlyList<Role> roles)
    {
        var claims = new List<Claim>();
        foreach (var role in roles.OrderBy(r => r))
        {
            for (var i = 0; i < CountOf(role, host, roles); i++)
            {
                switch (role)
                {
                    case Role.Nginx:
                        claims.Add(new(role, i, PortKind.Http, ports.Nginx + i, "nginx"));
                        break;
                    case Role.Haproxy:
                        claims.Add(new(role, i, PortKind.Http, ports.Haproxy + i, "haproxy"));
                        break;
                    case Role.App:
                        claims.Add(new(role, i, PortKind.Http, ports.App + i, "app"));
                        break;
                    case Role.Crate:
                        claims.Add(new(role, i, PortKind.Http, ports.CrateHttp + i, "crateHttp"));
                        claims.Add(new(role, i, PortKind.Transport, ports.CrateTransport + i, "crateTransport"));
                        claims.Add(new(role, i, PortKind.Psql, ports.CratePsql + i, "cratePsql"));
                        break;
                }
            }
        }

        return claims;
    }

    public static IReadOnlyList<Claim> ForLoadBalancer(PortSpec ports, LoadBalancerSpec lb)
    {
        var claims = new List<Claim> { new(Role.LoadBalancer, 0, PortKind.Http, ports.LoadBalancerHttp, "loadBalancerHttp") };
        if (lb.TlsCertificate is not null)
        {
            claims.Add(new(Role.LoadBalancer, 0, PortKind.Https, ports.LoadBalancerHttps, "loadBalancerHttps"));
        }

        return claims;
    }
}
