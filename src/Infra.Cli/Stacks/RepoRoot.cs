using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Infra.Cli.Stacks;

/// <summary>The Pulumi project an `infra` command works in: the nearest folder upward holding Pulumi.yaml.</summary>
public sealed record RepoRoot(string Path, string StackConfigDir)
{
    public string StacksFolder => System.IO.Path.Combine(Path, StackConfigDir);

    /// <summary>The stack file of stack <paramref name="name"/>, relative to the root (what git and diagnostics use).</summary>
    public string StackFileOf(string name)
    {
        var dir = StackConfigDir.TrimEnd('/');
        return dir is "." or "" ? $"Pulumi.{name}.yaml" : $"{dir}/Pulumi.{name}.yaml";
    }

    public IReadOnlyList<string> StackNames() =>
        Directory.Exists(StacksFolder)
            ? Directory.EnumerateFiles(StacksFolder, "Pulumi.*.yaml")
                .Select(f => Infra.Topology.Spec.ConfigSources.StackNameOf(f))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    public static RepoRoot? Find(string workingDir)
    {
        for (var dir = new DirectoryInfo(workingDir); dir is not null; dir = dir.Parent)
        {
            var project = System.IO.Path.Combine(dir.FullName, "Pulumi.yaml");
            if (File.Exists(project))
            {
                return new RepoRoot(dir.FullName, StackConfigDirOf(project));
            }
        }

        return null;
    }

    public static RepoRoot Require(string workingDir, string why) =>
        Find(workingDir) ?? throw new UserError($"no Pulumi.yaml in {workingDir} or any folder above it: {why}");

    private static string StackConfigDirOf(string projectFile)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(File.ReadAllText(projectFile)));
        }
        catch (YamlException e)
        {
            throw new UserError($"{projectFile}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}");
        }

        var value = yaml.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
            && root.Children.TryGetValue(new YamlScalarNode("stackConfigDir"), out var node)
            && node is YamlScalarNode { Value: { Length: > 0 } dir }
            ? dir
            : ".";
        return value.Replace('\\', '/');
    }
}
