using Infra.Topology.Model;
using Infra.Topology.Spec;
using static Infra.Topology.Configs.ProxyTimeouts;

namespace Infra.Topology.Configs;

/// <summary>
/// The front load balancer's haproxy.cfg: the stack's edge, in front of every nginx. It sets the forwarding
/// headers every tier behind it relies on, and terminates TLS when the stack names a certificate.
/// </summary>
public static class LoadBalancerConfig
{
    public static string Render(StackTopology topology, Instance instance)
    {
        if (instance.Role != Role.LoadBalancer)
        {
            throw new ArgumentException($"{instance.Name} is a {instance.Role}, not the load balancer", nameof(instance));
        }

        var proxies = topology.Targets(instance).Where(t => t.Role == Role.Nginx).ToList();
        var certificate = topology.Spec.LoadBalancer?.TlsCertificate;
        var tls = instance.TlsPort is not null && certificate is not null;

        var w = new ConfigWriter().Header(topology, instance, "haproxy.cfg (front load balancer)").Blank();
        HaproxyConfig.Global(w);
        HaproxyConfig.Defaults(w, serverTimeout: LoadBalancerResponse);
        w.Section("frontend http-in", f =>
        {
            HaproxyConfig.Bind(f, instance.Address, instance.Port);
            if (tls)
            {
                HaproxyConfig.Bind(f, instance.Address, instance.TlsPort!.Value, $"ssl crt {Quoted(certificate!)} alpn h2,http/1.1");
            }

            HaproxyConfig.StatsGuard(f, instance.Address);
            HaproxyConfig.EdgeHeaders(f, tls);
            f.Line("use_backend stats if stats_path");
            f.Line("default_backend nginx");
        });
        w.Section("backend nginx", b =>
        {
            b.Line("balance roundrobin");
            HaproxyConfig.HealthCheck(b, topology.Spec.HealthCheckPath, NginxCheckMs);
            HaproxyConfig.Failover(b);
            foreach (var nginx in proxies)
            {
                b.Line($"server {nginx.Name} {ConfigWriter.Endpoint(nginx.Address, nginx.Port)} check");
            }
        });
        HaproxyConfig.MetricsFrontend(w, instance);
        HaproxyConfig.StatsBackend(w);
        return w.ToString();
    }

    private static string Quoted(string path) => path.Any(char.IsWhiteSpace) ? $"\"{path}\"" : path;
}
