using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>The nginx reverse proxy (microblog:infra:NginxProxy); reloaded in place (HUP) when its config changes.</summary>
public sealed class NginxProxy(string name, ServiceArgs args, ComponentResourceOptions? options = null)
    : ServiceComponent(Type, [Role.Nginx], name, args, options)
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:NginxProxy";
}
