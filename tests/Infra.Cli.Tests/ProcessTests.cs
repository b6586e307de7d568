using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

/// <summary>The built program in a process of its own: exit codes and streams as a shell sees them.</summary>
public class ProcessTests
{
    [Fact]
    public void Validate_runs_as_a_program()
    {
        var result = InfraCli.RunProcess(InfraCli.RepoRoot, "validate");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.EndsWith("6 stacks: all valid\n", result.Out);
    }

    [Fact]
    public void A_missing_stack_exits_1_with_one_line_and_no_stack_trace()
    {
        var result = InfraCli.RunProcess(InfraCli.RepoRoot, "graph", "nope");

        Assert.Equal(1, result.Exit);
        Assert.Equal("", result.Out);
        Assert.StartsWith("error: no stack \"nope\"", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_usage_error_exits_2()
    {
        Assert.Equal(2, InfraCli.RunProcess(InfraCli.RepoRoot, "graph", "two-host", "--format", "png").Exit);
    }

    [Fact]
    public void Diff_two_host_three_host_exits_1_with_the_report_on_stdout()
    {
        var result = InfraCli.RunProcess(InfraCli.RepoRoot, "diff", "two-host", "three-host");

        Assert.True(result.Exit == 1, result.ToString());
        Assert.Contains("host3: added", result.Out);
        Assert.Contains("\nsummary: 1 host added, 9 files changed on 3 hosts", result.Out);
        Assert.Equal("", result.Error);
    }
}
