using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Infra.Topology.Tests.Support;

/// <summary>
/// What Pulumi hands a program for a stack file's `config:` block: each key's value as a string, with
/// objects and lists as JSON (numbers and booleans as JSON numbers and booleans).
/// </summary>
public static class PulumiConfigOf
{
    public static Dictionary<string, string> StackFile(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var config = (YamlMappingNode)root.Children[new YamlScalarNode("config")];
        return config.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value!,
            kv => kv.Value is YamlScalarNode scalar ? scalar.Value! : ToJson(kv.Value)!.ToJsonString());
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            new KeyValuePair<string, JsonNode?>(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.Plain } quoted => JsonValue.Create(quoted.Value),
        YamlScalarNode scalar when long.TryParse(scalar.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        YamlScalarNode scalar when bool.TryParse(scalar.Value, out var flag) => JsonValue.Create(flag),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}
