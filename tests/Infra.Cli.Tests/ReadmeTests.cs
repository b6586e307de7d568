using Infra.Cli.Graph;
using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

public class ReadmeTests
{
    [Fact]
    public void Every_committed_stack_has_a_current_diagram_in_the_readme()
    {
        var result = InfraCli.Run("graph", "--check-readme");

        Assert.True(result.Exit == 0, $"README.md's diagrams are not current: run ./infra graph --update-readme\n{result}");
    }

    [Fact]
    public void Each_readme_block_is_the_stacks_mermaid_graph()
    {
        var readme = File.ReadAllText(Path.Combine(InfraCli.RepoRoot, "README.md"));
        foreach (var stack in Directory.GetFiles(Path.Combine(InfraCli.RepoRoot, "stacks"), "Pulumi.*.yaml").Select(Path.GetFileName))
        {
            var name = stack!["Pulumi.".Length..^".yaml".Length];
            var mermaid = InfraCli.Run("graph", name, "--format", "mermaid").Out;
            Assert.Contains($"{ReadmeDiagrams.Start(name)}\n{ReadmeDiagrams.Block(mermaid)}{ReadmeDiagrams.End(name)}", readme);
        }
    }

    [Fact]
    public void Update_rewrites_stale_blocks_and_check_then_passes()
    {
        using var project = new TempProject()
            .WithStack("dev", TempProject.CommittedStack("dev"))
            .WithFile("README.md", "# x\n\n## The stacks\n\n<!-- graph:dev -->\nold\n<!-- /graph:dev -->\n\nafter\n\n<!-- change-costs -->\nold\n<!-- /change-costs -->\n");

        var stale = project.Run("graph", "--check-readme");
        Assert.Equal(1, stale.Exit);
        Assert.Contains("the diagram of dev is out of date", stale.Error);

        var update = project.Run("graph", "--update-readme");
        Assert.Equal(0, update.Exit);
        Assert.Contains("updated dev", update.Out);
        var readme = File.ReadAllText(Path.Combine(project.Root, "README.md"));
        Assert.StartsWith("# x\n\n## The stacks\n\n<!-- graph:dev -->\n```mermaid\nflowchart TB\n", readme);
        Assert.Contains("```\n<!-- /graph:dev -->\n\nafter\n\n<!-- change-costs -->\n| file | a change costs | under `pulumi up` |\n", readme);
        Assert.Contains("| `app-<port>/app.conf` | rolling restart the service (one host at a time) | step `<service>-restart` |\n", readme);
        Assert.EndsWith("|\n<!-- /change-costs -->\n", readme);

        Assert.Equal(0, project.Run("graph", "--check-readme").Exit);
    }

    [Fact]
    public void A_stack_without_a_block_and_a_block_without_a_stack_are_reported()
    {
        using var project = new TempProject()
            .WithStack("dev", TempProject.CommittedStack("dev"))
            .WithFile("README.md", "<!-- graph:gone -->\n<!-- /graph:gone -->\n");

        var result = project.Run("graph", "--update-readme");

        Assert.Equal(1, result.Exit);
        Assert.Contains("README.md has no diagram for stack dev: add the lines <!-- graph:dev --> and <!-- /graph:dev -->", result.Error);
        Assert.Contains("README.md has a diagram for stack gone, which has no stack file", result.Error);
        Assert.Contains("README.md has no table of change costs: add the lines <!-- change-costs --> and <!-- /change-costs -->", result.Error);
    }
}
