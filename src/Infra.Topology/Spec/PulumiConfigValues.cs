using System.Text.Json;

namespace Infra.Topology.Spec;

/// <summary>
/// Every config value of the stack, as the Pulumi CLI hands it to the program. Pulumi's .NET SDK has no
/// API to list config keys, so this reads the same environment variable the SDK reads, the same way
/// (Pulumi.Deployment.ParseConfig): a JSON object of key -> value, objects and lists as JSON text.
/// </summary>
public static class PulumiConfigValues
{
    public const string EnvironmentVariable = "PULUMI_CONFIG";

    public static IReadOnlyDictionary<string, string> FromEnvironment() =>
        Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

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
