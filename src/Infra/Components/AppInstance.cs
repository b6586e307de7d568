using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>One app instance (microblog:infra:AppInstance); replaced or restarted in its wave (microblog:rollout.maxUnavailable) across the topology.</summary>
public sealed class AppInstance(string name, ServiceArgs args, ComponentResourceOptions? options = null)
    : ServiceComponent(Type, [Role.App], name, args, options)
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:AppInstance";
}
