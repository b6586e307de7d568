using Infra.Topology.Model;

namespace Infra.Topology.Configs;

/// <summary>Where each file lives inside a host's config folder; one folder per instance, so each can be mounted alone.</summary>
public static class FilePaths
{
    public const string Nginx = "nginx/nginx.conf";
    public const string Haproxy = "haproxy/haproxy.cfg";
    public const string LoadBalancer = "lb/haproxy.cfg";
    public const string Supervisord = "supervisord.conf";
    public const string SupervisorExtension = "lib/" + SupervisordConfig.ExtensionModule + ".py";
    public const string Firewall = "nftables.conf";
    public const string Prometheus = "prometheus/prometheus.yml";
    public const string AlertRules = "prometheus/" + PrometheusConfig.RulesFile;
    public const string Alertmanager = "alertmanager/alertmanager.yml";

    public static string App(Instance app) => $"app-{app.Port}/app.conf";

    public static string Crate(Instance crate) => $"crate-{crate.Port}/crate.yml";

    public static string CrateLogging(Instance crate) => $"crate-{crate.Port}/log4j2.properties";

    /// <summary>bin/supervisord and bin/supervisorctl, as in the reference design's buildout.</summary>
    public static string SupervisorScript(string program) => $"bin/{program}";
}
