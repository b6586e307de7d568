using Infra.Topology.Spec;
using Pulumi;
using YamlDotNet.RepresentationModel;

namespace Infra.Stacks;

/// <summary>
/// The stack's `microblog:*` config through the SDK's config API only, as the core's loader takes it (key -> value,
/// objects and lists as JSON text). The SDK (3.112) cannot list the keys a stack has, so a misspelt key is found in
/// the stack file the CLI read, under the project's root directory (which the SDK gives); where there is none (an
/// Automation API inline program), only the known keys are read and a misspelt one goes unreported.
/// </summary>
internal static class StackConfig
{
    public static Dictionary<string, string> Read(Config config, string stack)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in PulumiConfigValues.Keys.Where(k => $"{PulumiConfigValues.Namespace}:{k}" != Secrets.CratePasswordKey))
        {
            if (config.Get(key) is { } value)
            {
                values[$"{PulumiConfigValues.Namespace}:{key}"] = value;
            }
        }

        if (config.GetSecret(PulumiConfigValues.OwnKey(Secrets.CratePasswordKey)!) is not null)
        {
            // Only that it is set: the value reaches the components as a secret output.
            values[Secrets.CratePasswordKey] = PulumiConfigValues.SecretMarker;
        }

        foreach (var key in KeysInStackFile(stack).Where(k => !values.ContainsKey(k)))
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            // Another namespace's (a provider's) value is not ours to read: its name is enough to flag near-misses of ours.
            values[key] = colon > 0 && key[..colon] == PulumiConfigValues.Namespace ? new Config(PulumiConfigValues.Namespace).Get(key[(colon + 1)..]) ?? "" : "";
        }

        return values;
    }

    /// <summary>The keys of stacks/Pulumi.&lt;stack&gt;.yaml (the project's stackConfigDir), or none where there is no such file.</summary>
    private static IEnumerable<string> KeysInStackFile(string stack)
    {
        string root;
        try
        {
            root = Deployment.Instance.RootDirectory;
        }
        catch (InvalidOperationException)
        {
            // An inline program, or a CLI too old to say where the project is.
            return [];
        }

        var file = Path.Combine(root, StackConfigDir(root), $"Pulumi.{stack}.yaml");
        if (!File.Exists(file))
        {
            return [];
        }

        var (entries, errors) = ConfigSources.FromYaml(File.ReadAllText(file), file);
        return errors.Count > 0 ? [] : entries.Select(e => e.Key);
    }

    private static string StackConfigDir(string root)
    {
        var project = Path.Combine(root, "Pulumi.yaml");
        if (!File.Exists(project))
        {
            return "";
        }

        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(project)));
        return yaml.Documents.FirstOrDefault()?.RootNode is YamlMappingNode map
            && map.Children.TryGetValue(new YamlScalarNode("stackConfigDir"), out var dir) && dir is YamlScalarNode { Value: { } path }
            ? path
            : "";
    }
}
