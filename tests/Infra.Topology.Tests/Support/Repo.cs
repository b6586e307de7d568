using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Tests.Support;

/// <summary>The repository's committed stacks, found from the test's working folder.</summary>
public static class Repo
{
    public static readonly string[] StackNames = ["dev", "single-host", "two-host", "three-host", "split-role", "monitored"];

    public static string Root { get; } = FindRoot();

    public static string StackFile(string stack) => Path.Combine(Root, "stacks", $"Pulumi.{stack}.yaml");

    public static StackSpec Spec(string stack)
    {
        var result = SpecLoader.LoadFile(StackFile(stack));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Spec!;
    }

    public static StackTopology Topology(string stack) => TopologyResolver.Resolve(Spec(stack));

    public static TheoryData<string> Stacks => new(StackNames);

    /// <summary>A committed stack with a change applied, resolved; the test fails if the edited file is not valid.</summary>
    public static StackTopology TopologyEdited(string stack, Func<string, string> edit)
    {
        var result = LoadEdited(stack, edit);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return TopologyResolver.Resolve(result.Spec!);
    }

    /// <summary>A committed stack's text with a change applied, loaded as if it were that stack's file.</summary>
    public static LoadResult LoadEdited(string stack, Func<string, string> edit) =>
        SpecLoader.LoadYaml(edit(File.ReadAllText(StackFile(stack))), $"stacks/Pulumi.{stack}.yaml", stack);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Infra.sln not found above " + AppContext.BaseDirectory);
    }
}
