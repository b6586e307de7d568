using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Components;

/// <summary>
/// One CrateDB node on its data volume (microblog:infra:CrateNode): stopped gracefully before a replacement, restarted
/// one node at a time for a new crate.yml, decommissioned when it leaves; the first node also creates the apps' user.
/// </summary>
public sealed class CrateNode(string name, ServiceArgs args, ComponentResourceOptions? options = null)
    : ServiceComponent(Type, [Role.Crate], name, args, options)
{
    /// <summary>The Pulumi type token.</summary>
    public const string Type = "microblog:infra:CrateNode";
}
