namespace Infra.Components;

/// <summary>Prometheus or Alertmanager on the monitoring host, reloaded in place (HUP) when its config or rules change.</summary>
public sealed class MonitoringServer(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:MonitoringServer", name, args, options);

/// <summary>A node exporter (one per host) or an nginx exporter (one per nginx), read by the stack's Prometheus.</summary>
public sealed class MetricsExporter(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:MetricsExporter", name, args, options);
