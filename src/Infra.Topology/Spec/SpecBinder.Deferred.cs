using System.Text.RegularExpressions;

namespace Infra.Topology.Spec;

/// <summary>
/// A value another stack has: `{fromStack: acme/vms/prod, output: host1Address, family: ipv4}` where an address, an SSH
/// user, an image or the certificate's path is written. The spec holds its placeholder (<see cref="Deferred"/>); the
/// Pulumi program reads the output through a StackReference at deploy time.
/// </summary>
internal sealed partial class SpecBinder
{
    private static readonly string[] ReferenceKeys = ["fromStack", "output", "family"];

    private readonly List<DeferredValue> _deferred = [];

    /// <summary>The values this stack file takes from other stacks' outputs.</summary>
    public IReadOnlyList<DeferredValue> Deferred => _deferred;

    /// <summary>
    /// The value of <paramref name="key"/> as written, or the placeholder of another stack's output named there. An
    /// address (<paramref name="kind"/> null) says its family: the plan needs it before the address.
    /// </summary>
    private string? Value(MapNode map, string key, string path, string deferredKey, DeferredKind? kind)
    {
        if (Find(map, key) is not MapNode reference)
        {
            return String(map, key, path);
        }

        var keyPath = $"{path}.{key}";
        var fields = Map(reference, keyPath, ReferenceKeys)!;
        var stack = String(fields, "fromStack", keyPath);
        var output = String(fields, "output", keyPath);
        var family = String(fields, "family", keyPath);
        const string Example = "{fromStack: acme/vms/prod, output: host1Address, family: ipv4}";
        if (stack is null || !StackReferencePattern().IsMatch(stack))
        {
            Error($"{keyPath}.fromStack", Find(fields, "fromStack") ?? reference, $"{(stack is null ? "missing" : $"\"{stack}\" is not a stack name")}: write the stack whose output this is, as org/project/stack, e.g. {Example}");
        }

        if (output is null || !OutputNamePattern().IsMatch(output))
        {
            Error($"{keyPath}.output", Find(fields, "output") ?? reference, $"{(output is null ? "missing" : $"\"{output}\" is not an output name")}: write the name of the stack's output, e.g. {Example}");
        }

        if (kind is null && family is not ("ipv4" or "ipv6"))
        {
            Error($"{keyPath}.family", Find(fields, "family") ?? reference, "an address from another stack says its family, which the plan needs before the address: write `family: ipv4` or `family: ipv6`");
        }
        else if (kind is not null && family is not null)
        {
            Error($"{keyPath}.family", Find(fields, "family")!, "only an address has a family: remove this key");
        }

        var value = new DeferredValue(deferredKey, kind ?? (family == "ipv6" ? DeferredKind.IPv6 : DeferredKind.IPv4), $"the output {output} of stack {stack}")
        {
            From = new StackOutput(stack ?? "", output ?? ""),
        };
        _deferred.Add(value);
        return value.Placeholder;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")]
    private static partial Regex StackReferencePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex OutputNamePattern();
}
