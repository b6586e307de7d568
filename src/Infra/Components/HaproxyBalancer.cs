using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>An haproxy behind nginx, or the front load balancer (microblog:infra:HaproxyBalancer); reloaded hitlessly (USR2).</summary>
public sealed class HaproxyBalancer(string name, ServiceArgs args, ComponentResourceOptions? options = null)
    : ServiceComponent(Type, [Role.Haproxy, Role.LoadBalancer], name, args, options)
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:HaproxyBalancer";
}
