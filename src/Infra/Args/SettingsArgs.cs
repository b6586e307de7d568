using Pulumi;

namespace Infra.Components;

/// <summary>Base ports; instances of a role on one host count up from their role's.</summary>
public sealed class PortsArgs : ResourceArgs
{
    /// <summary>nginx (default 80).</summary>
    [Input("nginx")]
    public int? Nginx { get; set; }

    /// <summary>haproxy behind nginx (default 9100).</summary>
    [Input("haproxy")]
    public int? Haproxy { get; set; }

    /// <summary>The app (default 9210).</summary>
    [Input("app")]
    public int? App { get; set; }

    /// <summary>CrateDB's HTTP port (default 4200).</summary>
    [Input("crateHttp")]
    public int? CrateHttp { get; set; }

    /// <summary>CrateDB's transport port (default 4300).</summary>
    [Input("crateTransport")]
    public int? CrateTransport { get; set; }

    /// <summary>CrateDB's PostgreSQL wire port (default 5432).</summary>
    [Input("cratePsql")]
    public int? CratePsql { get; set; }

    /// <summary>The load balancer's HTTP port (default 80).</summary>
    [Input("loadBalancerHttp")]
    public int? LoadBalancerHttp { get; set; }

    /// <summary>The load balancer's HTTPS port, with a TLS certificate (default 443).</summary>
    [Input("loadBalancerHttps")]
    public int? LoadBalancerHttps { get; set; }
}

/// <summary>CrateDB's heap and how many nodes (the first in host order) are master-eligible.</summary>
public sealed class CrateArgs : ResourceArgs
{
    /// <summary>CRATE_HEAP_SIZE, e.g. 2g (default 1g).</summary>
    [Input("heapSize")]
    public string? HeapSize { get; set; }

    /// <summary>Master-eligible nodes (default 3, or every node when there are fewer).</summary>
    [Input("masterNodes")]
    public int? MasterNodes { get; set; }
}

/// <summary>How much of each stateless role (apps, haproxy, nginx) an update may take down at once.</summary>
public sealed class RolloutArgs : ResourceArgs
{
    /// <summary>A count (`2`) or a percentage of the role (`25%`, the default); at least 1, never a whole role of two or more.</summary>
    [Input("maxUnavailable")]
    public string? MaxUnavailable { get; set; }
}

/// <summary>Whether `pulumi destroy` may take the topology away, and its CrateDB volumes: applied by `pulumi up` before the destroy.</summary>
public sealed class DestroyArgs : ResourceArgs
{
    /// <summary>true: a destroy removes every container, the CrateDB cluster with its data (default false: a destroy stops before deleting anything).</summary>
    [Input("allowed")]
    public bool? Allowed { get; set; }

    /// <summary>`keep` (the default: the CrateDB volumes and their data stay on the hosts) or `delete`.</summary>
    [Input("volumes")]
    public string? Volumes { get; set; }
}

/// <summary>Prometheus and Alertmanager: beside a host's services, or on a host of their own.</summary>
public sealed class MonitoringArgs : ResourceArgs
{
    /// <summary>The name of a host of the topology (or the load balancer) to run beside; or set <see cref="Host"/>.</summary>
    [Input("onHost")]
    public string? OnHost { get; set; }

    /// <summary>A host of the monitoring's own; or set <see cref="OnHost"/>.</summary>
    [Input("host")]
    public MonitoringHostArgs? Host { get; set; }

    /// <summary>The http(s):// URL Alertmanager posts every alert and its resolution to (required).</summary>
    [Input("webhook", required: true)]
    public string Webhook { get; set; } = "";

    /// <summary>The share of 5xx answers at the front door above which FrontDoorErrors fires (default 0.05).</summary>
    [Input("errorRatio")]
    public double? ErrorRatio { get; set; }

    /// <summary>The apps' metrics path, scraped on each app's port (default: apps not scraped).</summary>
    [Input("appMetricsPath")]
    public string? AppMetricsPath { get; set; }

    /// <summary>The port of CrateDB's JMX exporter, +1 per further node on a host (default: CrateDB not scraped).</summary>
    [Input("crateMetricsPort")]
    public int? CrateMetricsPort { get; set; }

    /// <summary>The monitoring services' ports.</summary>
    [Input("ports")]
    public MonitoringPortsArgs? Ports { get; set; }
}

/// <summary>The ports of the monitoring services.</summary>
public sealed class MonitoringPortsArgs : ResourceArgs
{
    /// <summary>Prometheus (default 9090).</summary>
    [Input("prometheus")]
    public int? Prometheus { get; set; }

    /// <summary>Alertmanager (default 9093).</summary>
    [Input("alertmanager")]
    public int? Alertmanager { get; set; }

    /// <summary>The node exporter (default 9101).</summary>
    [Input("nodeExporter")]
    public int? NodeExporter { get; set; }

    /// <summary>The nginx exporter (default 9113).</summary>
    [Input("nginxExporter")]
    public int? NginxExporter { get; set; }

    /// <summary>haproxy's built-in exporter (default 8405).</summary>
    [Input("haproxyMetrics")]
    public int? HaproxyMetrics { get; set; }
}
