using Infra.Planning;
using Pulumi;

namespace Infra.Components;

/// <summary>Which host of a topology a <see cref="HostStack"/> deploys.</summary>
public sealed class HostStackArgs : ResourceArgs
{
    /// <summary>The topology the host belongs to.</summary>
    public TopologyArgs Topology { get; set; } = null!;

    /// <summary>The host's name: one of the topology's hosts, its load balancer or its monitoring host.</summary>
    [Input("host", required: true)]
    public string Host { get; set; } = "";

    /// <summary>Set by the topology that makes the host: its plan, shared.</summary>
    internal TopologyPlan? Plan { get; set; }
}
