namespace Infra.Components;

/// <summary>An haproxy, behind nginx or as the front load balancer; reloaded hitlessly (USR2).</summary>
public sealed class HaproxyBalancer(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:HaproxyBalancer", name, args, options);
