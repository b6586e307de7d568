using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

public class HelpTests
{
    [Theory]
    [InlineData("validate", "infra validate two-host three-host")]
    [InlineData("render", "infra render two-host --out")]
    [InlineData("diff", "infra diff two-host three-host")]
    [InlineData("graph", "infra graph three-host --format mermaid")]
    [InlineData("lab", "infra lab up two-host")]
    [InlineData("lab up", "infra lab apply two-host --load")]
    public void Every_command_has_help_with_an_example(string command, string example)
    {
        var result = InfraCli.Run([.. command.Split(' '), "--help"]);

        Assert.Equal(0, result.Exit);
        Assert.Contains($"infra {command}", result.Out);
        Assert.Contains("Examples:\n", result.Out);
        Assert.Contains(example, result.Out);
        Assert.Contains("Exit codes", result.Out);
    }

    [Fact]
    public void The_root_help_lists_the_commands_and_the_exit_codes()
    {
        var result = InfraCli.Run("--help");

        Assert.Equal(0, result.Exit);
        foreach (var command in new[] { "validate", "render", "diff", "graph" })
        {
            Assert.Contains($"  {command}", result.Out);
        }

        Assert.Contains("diff follows diff(1): 0 same, 1 different, 2 trouble", result.Out);
    }
}
