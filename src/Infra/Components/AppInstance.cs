namespace Infra.Components;

/// <summary>One app instance; restarted one at a time across the stack when its config changes.</summary>
public sealed class AppInstance(string name, ServiceArgs args, Pulumi.ComponentResourceOptions? options = null)
    : ServiceComponent("microblog:infra:AppInstance", name, args, options);
