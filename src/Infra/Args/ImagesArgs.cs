using Pulumi;

namespace Infra.Components;

/// <summary>
/// The container image of each service; each may come from another resource (an image a build pushed). Unset, the
/// defaults: nginx:1.27, haproxy:3.0, crate:5.10 and the prom/* images; the app's is required.
/// </summary>
public sealed class ImagesArgs : ResourceArgs
{
    /// <summary>Your app's image, e.g. registry.example.com/microblog/app:1.0.0 (required).</summary>
    [Input("app")]
    public Input<string>? App { get; set; }

    /// <summary>The reverse proxy.</summary>
    [Input("nginx")]
    public Input<string>? Nginx { get; set; }

    /// <summary>haproxy behind every nginx, and the front load balancer.</summary>
    [Input("haproxy")]
    public Input<string>? Haproxy { get; set; }

    /// <summary>CrateDB.</summary>
    [Input("crate")]
    public Input<string>? Crate { get; set; }

    /// <summary>Prometheus (monitored topologies).</summary>
    [Input("prometheus")]
    public Input<string>? Prometheus { get; set; }

    /// <summary>Alertmanager (monitored topologies).</summary>
    [Input("alertmanager")]
    public Input<string>? Alertmanager { get; set; }

    /// <summary>The node exporter on every host (monitored topologies).</summary>
    [Input("nodeExporter")]
    public Input<string>? NodeExporter { get; set; }

    /// <summary>The nginx exporter beside every nginx (monitored topologies).</summary>
    [Input("nginxExporter")]
    public Input<string>? NginxExporter { get; set; }
}
