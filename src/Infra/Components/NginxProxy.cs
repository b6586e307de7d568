namespace Infra.Components;

/// <summary>The nginx reverse proxy, reloaded in place (HUP) when its config changes.</summary>
public sealed class NginxProxy(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:NginxProxy", name, args, options);
