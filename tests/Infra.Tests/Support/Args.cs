using Infra.Components;
using Infra.Stacks;
using Pulumi;

namespace Infra.Tests.Support;

/// <summary>Components' args for a committed stack's topology: its values as the stack-file program gives them.</summary>
public static class Args
{
    public static TopologyArgs Of(string stack, Input<string>? password = null) =>
        StackFileArgs.From(Repo.Spec(stack), password ?? Output.CreateSecret(Deploy.CratePassword), new Dictionary<string, Input<string>>());
}
