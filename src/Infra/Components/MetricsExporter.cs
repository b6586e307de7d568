using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>A node exporter (one per host) or an nginx exporter (one per nginx) (microblog:infra:MetricsExporter).</summary>
public sealed class MetricsExporter(string name, ServiceArgs args, ComponentResourceOptions? options = null)
    : ServiceComponent(Type, [Role.NodeExporter, Role.NginxExporter], name, args, options)
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:MetricsExporter";
}
