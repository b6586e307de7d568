using System.Text.Json;

namespace Infra.Topology.Spec;

/// <summary>
/// The names of the stack's config keys, as the Pulumi CLI hands them to the program. Pulumi's .NET SDK has no
/// API to list config keys, so this reads the same environment variable the SDK reads, the same way
/// (Pulumi.Deployment.ParseConfig): a JSON object of key -> value, objects and lists as JSON text. The program
/// reads the values themselves through the SDK's config API (secrets as secret outputs); <see cref="Parse"/> serves
/// tests and tools that hold plain values.
/// </summary>
public static class PulumiConfigValues
{
    public const string EnvironmentVariable = "PULUMI_CONFIG";

    /// <summary>The project's config namespace: every key of ours is `microblog:&lt;key&gt;`.</summary>
    public const string Namespace = SpecBinder.Namespace;

    /// <summary>`microblog:cratePassword` -> `cratePassword`, as the SDK's Config("microblog") takes it; null for another namespace.</summary>
    public static string? OwnKey(string fullKey) =>
        fullKey.StartsWith(Namespace + ":", StringComparison.Ordinal) ? fullKey[(Namespace.Length + 1)..] : null;

    /// <summary>What the program passes for a secret key instead of its value: only that it is set, as a stack file shows it.</summary>
    public const string SecretMarker = "{\"secure\":\"(held by Pulumi)\"}";

    /// <summary>The names of the stack's config keys, without their values.</summary>
    public static IReadOnlyList<string> KeysFromEnvironment() =>
        Parse(Environment.GetEnvironmentVariable(EnvironmentVariable)).Keys.Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyDictionary<string, string> Parse(string? json)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return values;
        }

        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            // JsonElement.ToString() is a string's value and any other value's JSON text, as in the SDK.
            values[CleanKey(property.Name)] = property.Value.ToString();
        }

        return values;
    }

    /// <summary>Language hosts may still send `project:config:key`; the SDK and we both use `project:key`.</summary>
    public static string CleanKey(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        const string legacy = "config:";
        return colon > 0 && key.AsSpan(colon + 1).StartsWith(legacy, StringComparison.Ordinal)
            ? string.Concat(key.AsSpan(0, colon + 1), key.AsSpan(colon + 1 + legacy.Length))
            : key;
    }
}
