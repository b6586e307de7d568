using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>Prometheus or Alertmanager (microblog:infra:MonitoringServer), reloaded in place (HUP) when its config or rules change.</summary>
public sealed class MonitoringServer(string name, ServiceArgs args, ComponentResourceOptions? options = null)
    : ServiceComponent(Type, [Role.Prometheus, Role.Alertmanager], name, args, options)
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:MonitoringServer";
}
