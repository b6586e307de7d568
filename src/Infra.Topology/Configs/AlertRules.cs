using System.Globalization;
using Infra.Topology.Model;
using Infra.Topology.Spec;
using YamlDotNet.Serialization;

namespace Infra.Topology.Configs;

/// <summary>
/// alerts.yml beside prometheus.yml: one rule per failure the stack can show, each only where the stack has the
/// targets that show it (no haproxy rule in dev, no CrateDB rule without CrateDB's metrics port). The README's
/// runbook has a section per alert name.
/// </summary>
public static class AlertRules
{
    public sealed record Rule(string Alert, string Expr, string For, string Severity, string Summary, string Action);

    /// <summary>How long a server must stay DOWN before it is an alert: longer than a rolling restart keeps one down.</summary>
    public const string ServerDownFor = "10s";

    private static readonly ISerializer Serializer = new SerializerBuilder().Build();

    public static IReadOnlyList<Rule> Rules(StackTopology topology)
    {
        var monitoring = topology.Spec.Monitoring ?? throw new InvalidOperationException($"stack {topology.Stack} has no microblog:monitoring");
        var rules = new List<Rule>();
        var haproxy = topology.Of(Role.Haproxy).Any();
        var loadBalancer = topology.Of(Role.LoadBalancer).Any();
        if (haproxy)
        {
            rules.Add(new("AppServerDown", """haproxy_server_status{job="haproxy",proxy="app",state="DOWN"} == 1""", ServerDownFor, "warning",
                "app server {{ $labels.server }} is DOWN in {{ $labels.instance }}",
                "haproxy fails its health check and sends its requests to the other apps; see why the app is not answering its health path"));
        }

        if (loadBalancer)
        {
            rules.Add(new("NginxServerDown", """haproxy_server_status{job="loadbalancer",proxy="nginx",state="DOWN"} == 1""", ServerDownFor, "warning",
                "nginx {{ $labels.server }} is DOWN in the load balancer {{ $labels.instance }}",
                "the load balancer sends its requests to the other nginx; check that nginx, its haproxy and the apps behind them"));
        }

        if (haproxy || loadBalancer)
        {
            rules.Add(new("BackendWithoutServer", """haproxy_backend_active_servers{job=~"haproxy|loadbalancer",proxy=~"app|nginx"} == 0""", "5s", "critical",
                "backend {{ $labels.proxy }} of {{ $labels.instance }} has no server UP: it answers 503",
                "every server behind it fails its health check: start at the apps (or nginx) it lists"));
        }

        var doors = topology.FrontDoor.Where(d => d.Role is Role.Haproxy or Role.LoadBalancer).ToList();
        if (doors.Count > 0)
        {
            var selector = $"job=\"{PrometheusConfig.JobOf(doors[0].Role)}\",proxy=\"http-in\"";
            var ratio = monitoring.ErrorRatio.ToString(CultureInfo.InvariantCulture);
            rules.Add(new("FrontDoorErrors",
                $"sum by (instance) (rate(haproxy_frontend_http_responses_total{{{selector},code=\"5xx\"}}[1m])) / sum by (instance) (rate(haproxy_frontend_http_responses_total{{{selector}}}[1m])) > {ratio}",
                "1m", "critical",
                $"more than {Percent(monitoring.ErrorRatio)} of the answers of the front door {{{{ $labels.instance }}}} are 5xx",
                "look at which tier answers them: a backend without server, apps answering 5xx, or CrateDB"));
        }

        if (topology.Of(Role.NginxExporter).Any())
        {
            rules.Add(new("NginxDown", "nginx_up == 0", ServerDownFor, "critical",
                "nginx on {{ $labels.host }} does not answer its exporter",
                "the load balancer takes it out; restart the nginx container (or process) on that host and read its log"));
        }

        if (monitoring.CrateMetricsPort is not null && topology.Of(Role.Crate).Any())
        {
            rules.Add(new("CrateNodeMissing", """up{job="crate"} == 0""", "30s", "critical",
                "CrateDB node {{ $labels.instance }} is missing: its metrics endpoint does not answer",
                "the cluster runs with one node less and its shards re-replicate; check the node's container and log before its disk fills"));
        }

        rules.Add(new("HostExporterDown", """up{job="node"} == 0""", "30s", "critical",
            "the node exporter of {{ $labels.host }} is unreachable",
            "the host, its network or its exporter is down: reach the host over SSH"));
        rules.Add(new("MetricsUnreachable", """up{job!~"node|crate"} == 0""", "30s", "warning",
            "Prometheus cannot read {{ $labels.job }} metrics of {{ $labels.instance }}",
            "the service or its metrics port is down, or the firewall no longer lets the monitoring host in"));
        return rules;
    }

    public static string Render(StackTopology topology)
    {
        var rules = Rules(topology).Select(r => new Dictionary<string, object>
        {
            ["alert"] = r.Alert,
            ["expr"] = r.Expr,
            ["for"] = r.For,
            ["labels"] = new Dictionary<string, string> { ["severity"] = r.Severity },
            ["annotations"] = new Dictionary<string, string>
            {
                ["summary"] = r.Summary,
                ["action"] = r.Action,
                ["runbook"] = $"README.md, Monitoring: {r.Alert}",
            },
        }).ToList();
        var file = new Dictionary<string, object>
        {
            ["groups"] = new[] { new Dictionary<string, object> { ["name"] = $"microblog-{topology.Stack}", ["rules"] = rules } },
        };
        return $"# {PrometheusConfig.RulesFile}: the alert rules of stack {topology.Stack}\n# generated by microblog-infra: do not edit\n{Serializer.Serialize(file)}";
    }

    private static string Percent(double ratio) => (ratio * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
