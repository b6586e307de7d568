namespace Infra.Components;

/// <summary>One CrateDB node with its data volume; it reads crate.yml at its next start.</summary>
public sealed class CrateNode(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:CrateNode", name, args, options);
