using Infra.Planning;
using Pulumi;

namespace Infra.Components;

/// <summary>Which service of a topology a service component deploys.</summary>
public sealed class ServiceArgs : ResourceArgs
{
    /// <summary>The topology the service belongs to: its files name every other service they talk to.</summary>
    public TopologyArgs Topology { get; set; } = null!;

    /// <summary>The service's name in the topology's plan: &lt;host&gt;-&lt;role&gt;[-&lt;port&gt;], e.g. host1-app-9210 (`infra plan` lists them).</summary>
    [Input("service", required: true)]
    public string Service { get; set; } = "";

    /// <summary>Set by the host that makes the service: its topology's plan, shared.</summary>
    internal TopologyPlan? Plan { get; set; }
}
