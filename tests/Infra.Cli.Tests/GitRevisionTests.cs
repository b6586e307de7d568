using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

/// <summary>STACK@REV: a stack file as it was at a git revision, in a throwaway repository.</summary>
public sealed class GitRevisionTests : IDisposable
{
    private readonly TempProject _project = new();

    public GitRevisionTests()
    {
        _project.Git("init", "-q", "-b", "main");
        _project.WithStack("prod", TempProject.CommittedStack("two-host")).Commit("two hosts");
        _project.WithStack("prod", TempProject.CommittedStack("three-host")).Commit("a third host");
        _project.WithStack("prod", "config:\n  microblog:layout: [\n");
    }

    public void Dispose() => _project.Dispose();

    [Fact]
    public void A_stack_name_at_a_revision_reads_the_committed_file()
    {
        var result = _project.Run("validate", "prod@HEAD~1", "prod@main");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("stacks/Pulumi.prod.yaml@HEAD~1:18:5: warning: microblog:hosts: 2 master-eligible CrateDB nodes cannot survive", result.Out);
        Assert.Contains("prod: ok (1 warning)\nprod: ok\n", result.Out);
    }

    [Fact]
    public void A_stack_file_path_at_a_revision_reads_the_committed_file()
    {
        var result = _project.Run("validate", "stacks/Pulumi.prod.yaml@HEAD", "--json");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("\"file\": \"stacks/Pulumi.prod.yaml@HEAD\"", result.Out);
    }

    [Fact]
    public void The_working_copy_is_what_a_plain_name_reads()
    {
        var result = _project.Run("validate", "prod");

        Assert.Equal(1, result.Exit);
        Assert.Contains("stacks/Pulumi.prod.yaml:", result.Out);
        Assert.Contains("not valid YAML", result.Out);
    }

    [Fact]
    public void An_unknown_revision_is_invalid_input()
    {
        var result = _project.Run("validate", "prod@no-such-branch");

        Assert.Equal(1, result.Exit);
        Assert.Contains("error: prod@no-such-branch: unknown git revision \"no-such-branch\"", result.Out);
    }

    [Fact]
    public void A_stack_that_did_not_exist_at_the_revision_is_invalid_input()
    {
        _project.WithStack("staging", TempProject.CommittedStack("dev")).Commit("staging");

        var result = _project.Run("validate", "staging@HEAD~1");

        Assert.Equal(1, result.Exit);
        Assert.Contains("error: staging@HEAD~1: stacks/Pulumi.staging.yaml does not exist at revision HEAD~1", result.Out);
    }

    [Fact]
    public void A_revision_outside_a_git_repository_says_so()
    {
        using var plain = new TempProject().WithStack("prod", TempProject.CommittedStack("dev"));

        var result = plain.Run("validate", "prod@HEAD");

        Assert.Equal(1, result.Exit);
        Assert.Contains("is not inside a git repository", result.Out);
    }
}
