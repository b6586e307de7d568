using Infra.Topology.Spec;

namespace Infra.Live.Tests.Harness;

/// <summary>The repository's committed stack files, the live tests' only source of topology.</summary>
public static class Stacks
{
    public static string Root => Binaries.SourceRoot;

    public static StackSpec Spec(string stack)
    {
        var result = SpecLoader.LoadFile(Path.Combine(Root, "stacks", $"Pulumi.{stack}.yaml"));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Spec!;
    }

    /// <summary>A committed stack file with an edit applied, loaded and validated as that stack.</summary>
    public static StackSpec Edited(string stack, Func<string, string> edit)
    {
        var file = Path.Combine(Root, "stacks", $"Pulumi.{stack}.yaml");
        var text = File.ReadAllText(file);
        var edited = edit(text);
        Assert.NotEqual(text, edited);
        var result = SpecLoader.LoadYaml(edited, file, stack);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Spec!;
    }
}
