namespace Infra.Topology.Spec;

/// <summary>
/// `microblog:monitoring`: where Prometheus and Alertmanager run (next to another host's services, or on a host of
/// their own), where alerts go, and what the stack's own services expose beyond haproxy, nginx and the hosts.
/// </summary>
public sealed record MonitoringSpec(
    string? OnHost,
    MonitoringHostSpec? OwnHost,
    string Webhook,
    double ErrorRatio,
    string? AppMetricsPath,
    int? CrateMetricsPort,
    MonitoringPorts Ports)
{
    public const double DefaultErrorRatio = 0.05;

    /// <summary>The host name Prometheus and Alertmanager run on.</summary>
    public string HostName => OwnHost?.Name ?? OnHost ?? "";
}

/// <summary>A host of the monitoring's own, like the load balancer's.</summary>
public sealed record MonitoringHostSpec(string Name, string Address, SshSpec Ssh, string? DockerEndpoint);

/// <summary>
/// The ports of the monitoring services. The node exporter's default moves off its usual 9100, which is haproxy's here.
/// </summary>
public sealed record MonitoringPorts(int Prometheus, int Alertmanager, int NodeExporter, int NginxExporter, int HaproxyMetrics)
{
    public static readonly MonitoringPorts Default = new(Prometheus: 9090, Alertmanager: 9093, NodeExporter: 9101, NginxExporter: 9113, HaproxyMetrics: 8405);
}

public sealed record MonitoringImages(string Prometheus, string Alertmanager, string NodeExporter, string NginxExporter)
{
    public static readonly MonitoringImages Default = new(
        Prometheus: "prom/prometheus:v2.53.3",
        Alertmanager: "prom/alertmanager:v0.27.0",
        NodeExporter: "prom/node-exporter:v1.8.2",
        NginxExporter: "nginx/nginx-prometheus-exporter:1.3.0");
}
