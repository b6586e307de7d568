namespace Infra.Topology.Spec;

/// <summary>
/// The stack's config keys as Pulumi names them (`microblog:hosts`). The Pulumi program reads each value through the
/// SDK's config API (secrets as secret outputs) and hands the loader a key -> value map, objects and lists as JSON
/// text, as the SDK gives them.
/// </summary>
public static class PulumiConfigValues
{
    /// <summary>The project's config namespace: every key of ours is `microblog:&lt;key&gt;`.</summary>
    public const string Namespace = SpecBinder.Namespace;

    /// <summary>Every key of ours, without the namespace (`layout`, `hosts`, ...).</summary>
    public static IReadOnlyList<string> Keys => SpecBinder.TopKeys;

    /// <summary>`microblog:cratePassword` -> `cratePassword`, as the SDK's Config("microblog") takes it; null for another namespace.</summary>
    public static string? OwnKey(string fullKey) =>
        fullKey.StartsWith(Namespace + ":", StringComparison.Ordinal) ? fullKey[(Namespace.Length + 1)..] : null;

    /// <summary>What the program passes for a secret key instead of its value: only that it is set, as a stack file shows it.</summary>
    public const string SecretMarker = "{\"secure\":\"(held by Pulumi)\"}";
}
