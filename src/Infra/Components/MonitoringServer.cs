namespace Infra.Components;

/// <summary>Prometheus or Alertmanager on the monitoring host, reloaded in place (HUP) when its config or rules change.</summary>
public sealed class MonitoringServer(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:MonitoringServer", name, args, options);
