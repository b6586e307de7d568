namespace Infra.Components;

/// <summary>A node exporter (one per host) or an nginx exporter (one per nginx), read by the stack's Prometheus.</summary>
public sealed class MetricsExporter(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:MetricsExporter", name, args, options);
