using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>
/// A whole topology, as a stack file describes it. The shape (layout, hosts, roles, counts, ports) is plain: it decides
/// which resources exist. Every value that may come from another resource or is a secret is an input: addresses, SSH
/// users and keys, images, the TLS certificate's path, the CrateDB password.
/// </summary>
public sealed class TopologyArgs : ResourceArgs
{
    private Input<string>? _cratePassword;

    /// <summary>dev, single-host, colocated or split-role (required).</summary>
    public Layout? Layout { get; set; }

    /// <summary>
    /// The name the topology goes by on its hosts: its config folder /etc/microblog/&lt;stack&gt;, container labels and the
    /// default CrateDB cluster name. Default: the component's name. Letters, digits, '.', '_' and '-'.
    /// </summary>
    [Input("stack")]
    public string? Stack { get; set; }

    /// <summary>The CrateDB cluster name (default microblog-&lt;stack&gt;); keeps other clusters from joining.</summary>
    [Input("clusterName")]
    public string? ClusterName { get; set; }

    /// <summary>The hosts, in order: the first CrateDB nodes are the master-eligible ones.</summary>
    [Input("hosts", required: true)]
    public List<HostArgs> Hosts { get; set; } = [];

    /// <summary>The front load balancer (colocated and split-role: required; dev and single-host: none).</summary>
    [Input("loadBalancer")]
    public LoadBalancerArgs? LoadBalancer { get; set; }

    /// <summary>The container images.</summary>
    [Input("images", required: true)]
    public ImagesArgs Images { get; set; } = new();

    /// <summary>Base ports.</summary>
    [Input("ports")]
    public PortsArgs? Ports { get; set; }

    /// <summary>CrateDB's heap and master-eligible nodes.</summary>
    [Input("crate")]
    public CrateArgs? Crate { get; set; }

    /// <summary>The app's health path, checked by haproxy, the load balancer and Docker (default /health).</summary>
    [Input("healthCheckPath")]
    public string? HealthCheckPath { get; set; }

    /// <summary>Addresses or CIDR networks operators connect from: SSH (and a tcp:// Docker engine) is open to these only.</summary>
    [Input("adminSources")]
    public List<string>? AdminSources { get; set; }

    /// <summary>
    /// The numeric `uid[:gid]` the app image runs as: the app containers run as it, and app.conf, which holds the CrateDB
    /// password, is its alone (mode 0600). Default: the image's own user, and app.conf owned by root.
    /// </summary>
    [Input("appUser")]
    public string? AppUser { get; set; }

    /// <summary>How much of a stateless role an update may take down at once (default 25%).</summary>
    [Input("rollout")]
    public RolloutArgs? Rollout { get; set; }

    /// <summary>Whether `pulumi destroy` may take the topology away (default: it stops before deleting anything).</summary>
    [Input("destroy")]
    public DestroyArgs? Destroy { get; set; }

    /// <summary>Prometheus and Alertmanager (default: not monitored).</summary>
    [Input("monitoring")]
    public MonitoringArgs? Monitoring { get; set; }

    /// <summary>
    /// The apps' CrateDB password, kept secret (16 to 128 printable ASCII characters, no quotes, backslash or spaces).
    /// Required when the topology has CrateDB nodes.
    /// </summary>
    [Input("cratePassword")]
    public Input<string>? CratePassword
    {
        get => _cratePassword;
        set => _cratePassword = Secret.Of(value);
    }

    /// <summary>Where these values come from, for messages (default: the component, by type and name).</summary>
    public string? Source { get; set; }

    [Input("layout")]
    internal string? LayoutName => Layout?.Name();
}
