using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Infra.Topology.Spec;

/// <summary>Turns a Pulumi stack file, or the config values Pulumi hands a program, into config nodes.</summary>
public static class ConfigSources
{
    /// <summary>Pulumi's stack file naming: `Pulumi.two-host.yaml` is stack `two-host`.</summary>
    public static string StackNameOf(string path)
    {
        var file = Path.GetFileName(path);
        foreach (var ext in new[] { ".yaml", ".yml" })
        {
            if (file.StartsWith("Pulumi.", StringComparison.Ordinal) && file.EndsWith(ext, StringComparison.Ordinal))
            {
                return file["Pulumi.".Length..^ext.Length];
            }
        }

        return Path.GetFileNameWithoutExtension(file);
    }

    /// <summary>Reads the `config:` block of a stack file's text; YAML errors come back with line and column.</summary>
    public static (IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries, IReadOnlyList<Diagnostic> Errors) FromYaml(string text, string file)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            return ([], [new Diagnostic(Severity.Error, file, "", $"not valid YAML: {StripMark(message)}", (int)e.Start.Line, (int)e.Start.Column)]);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return ([], [new Diagnostic(Severity.Error, file, "", "expected a mapping with a `config:` block, as Pulumi stack files have")]);
        }

        var config = root.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "config" }).Value;
        if (config is null)
        {
            return ([], [new Diagnostic(Severity.Error, file, "config", "missing: a stack file holds its topology under `config:` (e.g. `config:\\n  microblog:layout: colocated`)")]);
        }

        if (config is not YamlMappingNode configMap)
        {
            return ([], [Located(file, "config", "must be a mapping of `microblog:<key>: value`", config)]);
        }

        var entries = configMap.Children
            .Select(kv => new KeyValuePair<string, ConfigNode>(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))
            .ToList();
        return (entries, []);
    }

    /// <summary>
    /// Pulumi hands a program its config as strings: plain values as they are, objects and lists as JSON.
    /// </summary>
    public static (IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries, IReadOnlyList<Diagnostic> Errors) FromPulumiConfig(
        IReadOnlyDictionary<string, string> values, string source)
    {
        var entries = new List<KeyValuePair<string, ConfigNode>>();
        var errors = new List<Diagnostic>();
        foreach (var (key, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var trimmed = value.TrimStart();
            if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
            {
                try
                {
                    using var document = JsonDocument.Parse(value);
                    entries.Add(new(key, Convert(document.RootElement)));
                }
                catch (JsonException e)
                {
                    errors.Add(new Diagnostic(Severity.Error, source, key, $"not valid JSON: {e.Message}"));
                }
            }
            else
            {
                entries.Add(new(key, new ScalarNode(value, null)));
            }
        }

        return (entries, errors);
    }

    private static ConfigNode Convert(YamlNode node)
    {
        var mark = new SourceMark((int)node.Start.Line, (int)node.Start.Column);
        return node switch
        {
            YamlScalarNode scalar => new ScalarNode(scalar.Value ?? "", mark),
            YamlSequenceNode sequence => new ListNode(sequence.Children.Select(Convert).ToList(), mark),
            YamlMappingNode map => new MapNode(
                map.Children.Select(kv => new KeyValuePair<string, ConfigNode>(
                    kv.Key is YamlScalarNode key ? key.Value ?? "" : kv.Key.ToString(), Convert(kv.Value))).ToList(),
                mark),
            _ => new ScalarNode(node.ToString(), mark),
        };
    }

    private static ConfigNode Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new MapNode(
            element.EnumerateObject().Select(p => new KeyValuePair<string, ConfigNode>(p.Name, Convert(p.Value))).ToList(), null),
        JsonValueKind.Array => new ListNode(element.EnumerateArray().Select(Convert).ToList(), null),
        JsonValueKind.String => new ScalarNode(element.GetString() ?? "", null),
        JsonValueKind.Null => new ScalarNode("", null),
        _ => new ScalarNode(element.GetRawText(), null),
    };

    private static Diagnostic Located(string file, string path, string message, YamlNode node) =>
        new(Severity.Error, file, path, message, (int)node.Start.Line, (int)node.Start.Column);

    private static string StripMark(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (...): "; we print line and column ourselves.
        var idx = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && idx > 0 ? message[(idx + 3)..] : message;
    }
}
