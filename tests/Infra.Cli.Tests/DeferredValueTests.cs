using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

/// <summary>
/// A stack file that takes a value from another stack's output (`fromStack`): render, plan and diff show its
/// placeholder and say where its value comes from; the lab, which runs written values only, says so.
/// </summary>
public sealed class DeferredValueTests : IDisposable
{
    private const string Note = "note: {{ipv4 host1.address}} stands for host1.address (an IPv4 address), known only at deploy time: the output host1Address of stack acme/vms/prod; `pulumi up` fills it in";

    private readonly TempProject _project = new TempProject()
        .WithStack("two-host", TempProject.CommittedStack("two-host"))
        .WithStack("vms", TempProject.CommittedStack("two-host").Replace(
            "address: 192.0.2.11", "address: {fromStack: acme/vms/prod, output: host1Address, family: ipv4}", StringComparison.Ordinal));

    public void Dispose() => Directory.Delete(_project.Root, recursive: true);

    [Fact]
    public void Render_writes_the_placeholder_where_the_address_goes_and_says_where_it_comes_from()
    {
        var dir = Path.Combine(_project.Root, "out");

        var result = _project.Run("render", "vms", "--out", dir);

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("server host1-app-9210 {{ipv4 host1.address}}:9210", File.ReadAllText(Path.Combine(dir, "host2", "haproxy", "haproxy.cfg")), StringComparison.Ordinal);
        Assert.Contains(Note, result.Out.Split('\n'));
    }

    [Fact]
    public void Plan_reaches_the_host_at_its_placeholder_and_says_where_it_comes_from()
    {
        var result = _project.Run("plan", "vms", "--scripts");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("ssh://deploy@{{ipv4 host1.address}}", result.Out, StringComparison.Ordinal);
        Assert.Contains(Note, result.Out.Split('\n'));
    }

    [Fact]
    public void Diff_from_the_written_address_shows_each_file_that_embeds_it_and_says_where_the_new_value_comes_from()
    {
        var result = _project.Run("diff", "two-host", "vms");

        Assert.True(result.Exit == 1, result.ToString());
        Assert.Contains("+    server host1-app-9210 {{ipv4 host1.address}}:9210", result.Out, StringComparison.Ordinal);
        Assert.Contains(Note, result.Out.Split('\n'));
    }

    [Fact]
    public void A_reference_without_the_addresss_family_is_an_error_that_says_what_to_write()
    {
        _project.WithStack("bad", TempProject.CommittedStack("two-host").Replace(
            "address: 192.0.2.11", "address: {fromStack: acme/vms/prod, output: host1Address}", StringComparison.Ordinal));

        var result = _project.Run("validate", "bad");

        Assert.Equal(1, result.Exit);
        Assert.Contains("microblog:hosts[0].address.family: an address from another stack says its family, which the plan needs before the address: write `family: ipv4` or `family: ipv6`", result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lab_refuses_a_stack_that_takes_values_from_elsewhere()
    {
        var result = _project.Run("lab", "up", "vms");

        Assert.Equal(1, result.Exit);
        Assert.Contains("the lab runs values a stack file writes, and this one takes host1.address (the output host1Address of stack acme/vms/prod) from elsewhere", result.Error, StringComparison.Ordinal);
    }
}
