using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Infra.Tests.Support;

/// <summary>Resource inputs as JSON with sorted keys, so two deployments' inputs compare as text.</summary>
public static class Canonical
{
    public static string Json(object? value) => ToNode(value)?.ToJsonString() ?? "null";

    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        double d => JsonValue.Create(d),
        int i => JsonValue.Create(i),
        IDictionary map => new JsonObject(map.Keys.Cast<object>().Select(k => k.ToString()!).Order(StringComparer.Ordinal)
            .Select(k => new KeyValuePair<string, JsonNode?>(k, ToNode(map[k])))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    /// <summary>The top-level input keys whose values differ between two canonical JSON objects.</summary>
    public static IReadOnlyList<string> DifferingKeys(string left, string right)
    {
        var a = JsonNode.Parse(left)!.AsObject();
        var b = JsonNode.Parse(right)!.AsObject();
        return a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key))
            .Where(k => !JsonNode.DeepEquals(a[k], b[k]))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static string Pretty(string json) => JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
