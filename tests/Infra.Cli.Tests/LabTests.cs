using System.Runtime.Versioning;
using Infra.Cli.Tests.Support;
using Infra.Lab.Session;

namespace Infra.Cli.Tests;

/// <summary>
/// `infra lab`'s arguments and refusals, with the machine's answers handed in (root or not, which programs exist):
/// nothing here starts a lab. The lab itself runs end to end in the live tests (LabCommandTests).
/// </summary>
[SupportedOSPlatform("linux")]
public class LabTests
{
    private static readonly Prerequisites Everything = new(() => true, _ => true);

    [Fact]
    public void Without_root_up_says_so_in_one_line_and_exits_77()
    {
        var result = Run(new Prerequisites(() => false, _ => true), "lab", "up", "two-host");

        Assert.Equal(77, result.Exit);
        Assert.Equal(
            "infra lab needs root (it makes network namespaces, loads nftables rules, runs a Docker engine and sshd per host): sudo ./infra lab up two-host\n",
            WithoutWarnings(result.Error));
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("down")]
    public void Without_root_status_and_down_say_so_too(string command)
    {
        var result = Run(new Prerequisites(() => false, _ => true), "lab", command);

        Assert.Equal(77, result.Exit);
        Assert.StartsWith("infra lab needs root", result.Error);
        Assert.EndsWith($"sudo ./infra lab {command}\n", result.Error);
    }

    [Fact]
    public void A_container_stack_names_its_missing_debian_packages_with_the_install_command()
    {
        var result = Run(new Prerequisites(() => true, program => program is not ("dockerd" or "docker" or "debootstrap")), "lab", "up", "two-host");

        Assert.Equal(69, result.Exit);
        Assert.Equal(
            "infra lab needs docker.io, debootstrap: sudo apt-get install -y --no-install-recommends docker.io debootstrap\n",
            WithoutWarnings(result.Error));
    }

    [Fact]
    public void A_supervisord_stack_needs_supervisor_and_its_servers_not_docker()
    {
        var result = Run(new Prerequisites(() => true, program => program is not ("supervisord" or "haproxy" or "dockerd")), "lab", "up", "single-host");

        Assert.Equal(69, result.Exit);
        Assert.Equal("infra lab needs supervisor, haproxy: sudo apt-get install -y --no-install-recommends supervisor haproxy\n", WithoutWarnings(result.Error));
    }

    [Fact]
    public void An_unknown_stack_is_invalid_input_before_anything_is_checked_or_started()
    {
        var result = Run(new Prerequisites(() => false, _ => false), "lab", "up", "two-hots");

        Assert.Equal(1, result.Exit);
        Assert.StartsWith("error: no stack \"two-hots\": stacks/Pulumi.two-hots.yaml does not exist (did you mean \"two-host\"?", result.Error);
    }

    [Fact]
    public void An_invalid_stack_file_prints_its_errors_and_starts_nothing()
    {
        using var project = new TempProject().WithStack("broken", "config:\n  microblog:layout: colocated\n");

        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = Cli.Run(["lab", "apply", "broken", "--load"], stdout, stderr, project.Root, Everything);

        Assert.Equal(1, exit);
        Assert.Contains("broken: invalid", stderr.ToString());
        Assert.Equal("", stdout.ToString());
    }

    [Theory]
    [InlineData("up")]
    [InlineData("apply")]
    public void Up_and_apply_need_exactly_one_stack(string command)
    {
        var none = Run(Everything, "lab", command);
        var two = Run(Everything, "lab", command, "dev", "two-host");

        Assert.Equal(2, none.Exit);
        Assert.Contains($"Required argument missing for command: '{command}'", none.Error);
        Assert.Contains($"see: infra lab {command} --help", none.Error);
        Assert.Equal(2, two.Exit);
        Assert.Contains("Unrecognized command or argument 'two-host'", two.Error);
    }

    [Fact]
    public void Status_takes_no_stack()
    {
        var result = Run(Everything, "lab", "status", "two-host");

        Assert.Equal(2, result.Exit);
        Assert.Contains("see: infra lab status --help", result.Error);
    }

    private static Outcome Run(Prerequisites machine, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = Cli.Run(args, stdout, stderr, InfraCli.RepoRoot, machine);
        return new Outcome(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The committed stacks' own warnings (two master-eligible nodes) come first; the lab's line is what is left.</summary>
    private static string WithoutWarnings(string error) =>
        string.Concat(error.Split('\n').Where(l => l.Length > 0 && !l.Contains(": warning: ", StringComparison.Ordinal)).Select(l => l + "\n"));
}
