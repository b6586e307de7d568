using System.Text.Json;
using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

public class ValidateTests
{
    [Fact]
    public void Every_committed_stack_is_valid_and_warnings_are_printed()
    {
        var result = InfraCli.Run("validate");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("stacks/Pulumi.two-host.yaml:18:5: warning: microblog:hosts: 2 master-eligible CrateDB nodes cannot survive", result.Out);
        Assert.Contains("two-host: ok (1 warning)\n", result.Out);
        Assert.Contains("three-host: ok\n", result.Out);
        Assert.Contains("monitored: ok (1 warning)\n", result.Out);
        Assert.EndsWith("6 stacks: all valid\n", result.Out);
    }

    [Fact]
    public void Json_reports_every_stack_with_its_diagnostics()
    {
        var result = InfraCli.Run("validate", "two-host", "three-host", "--json");

        Assert.Equal(0, result.Exit);
        using var json = JsonDocument.Parse(result.Out);
        var stacks = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["two-host", "three-host"], stacks.Select(s => s.GetProperty("stack").GetString()));
        Assert.All(stacks, s => Assert.True(s.GetProperty("ok").GetBoolean()));
        Assert.Equal("stacks/Pulumi.two-host.yaml", stacks[0].GetProperty("file").GetString());
        var warning = Assert.Single(stacks[0].GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("warning", warning.GetProperty("severity").GetString());
        Assert.Equal("microblog:hosts", warning.GetProperty("key").GetString());
        Assert.Empty(stacks[1].GetProperty("diagnostics").EnumerateArray());
    }

    [Fact]
    public void A_missing_stack_is_invalid_input_and_the_closest_name_is_suggested()
    {
        var result = InfraCli.Run("validate", "tw-host");

        Assert.Equal(1, result.Exit);
        Assert.Contains("error: no stack \"tw-host\": stacks/Pulumi.tw-host.yaml does not exist (did you mean \"two-host\"?", result.Out);
        Assert.Contains("tw-host: invalid", result.Out);
    }

    [Fact]
    public void A_missing_stack_file_path_is_invalid_input()
    {
        var result = InfraCli.Run("validate", "stacks/Pulumi.nope.yaml");

        Assert.Equal(1, result.Exit);
        Assert.Contains("error: stacks/Pulumi.nope.yaml: no such stack file", result.Out);
    }

    [Fact]
    public void Every_error_of_an_invalid_stack_is_printed_with_its_key()
    {
        using var project = new TempProject().WithStack("broken", TempProject.CommittedStack("two-host")
            .Replace("layout: colocated", "layout: colocatd")
            .Replace("address: 192.0.2.12", "address: 10.0.0.300"));

        var result = project.Run("validate", "broken");

        Assert.Equal(1, result.Exit);
        Assert.Contains("stacks/Pulumi.broken.yaml:3:21: error: microblog:layout: unknown layout \"colocatd\"", result.Out);
        Assert.Contains("microblog:hosts[1].address: \"10.0.0.300\" is not an IP address or host name", result.Out);
        Assert.Contains("broken: invalid (2 errors", result.Out);
        Assert.DoesNotContain("   at ", result.Out + result.Error);
    }

    [Fact]
    public void Malformed_yaml_is_reported_with_line_and_column()
    {
        using var project = new TempProject().WithStack("bad", "config:\n  microblog:layout: colocated\n  microblog:hosts: [\n    - name: host1\n");

        var result = project.Run("validate", "bad");

        Assert.Equal(1, result.Exit);
        Assert.Matches(@"stacks/Pulumi\.bad\.yaml:\d+:\d+: error: not valid YAML: ", result.Out);
        Assert.DoesNotContain("   at ", result.Out + result.Error);
    }

    [Fact]
    public void A_file_that_is_not_utf8_text_is_invalid_input()
    {
        using var project = new TempProject();
        File.WriteAllBytes(project.StackPath("binary"), [0x63, 0x6f, 0x6e, 0x66, 0x69, 0x67, 0x3a, 0xff, 0xfe, 0x00, 0x0a]);

        var result = project.Run("validate", "binary");

        Assert.Equal(1, result.Exit);
        Assert.Contains("stacks/Pulumi.binary.yaml: error: not UTF-8 text (invalid byte at offset 7)", result.Out);
    }

    [Fact]
    public void A_folder_is_not_a_stack_file()
    {
        var result = InfraCli.Run("validate", "stacks");

        Assert.Equal(1, result.Exit);
        Assert.Contains("error: stacks: is a folder, not a stack file", result.Out);
    }

    [Fact]
    public void Outside_a_project_stack_names_cannot_be_found_but_paths_can()
    {
        var outside = Directory.CreateTempSubdirectory("infra-cli-outside-").FullName;
        try
        {
            var byName = InfraCli.RunIn(outside, "validate");
            Assert.Equal(1, byName.Exit);
            Assert.Contains("no Pulumi.yaml in", byName.Error);

            var byPath = InfraCli.RunIn(outside, "validate", Path.Combine(InfraCli.RepoRoot, "stacks", "Pulumi.three-host.yaml"));
            Assert.True(byPath.Exit == 0, byPath.ToString());
            Assert.Contains("three-host: ok", byPath.Out);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_misspelt_option_is_a_usage_error()
    {
        var result = InfraCli.Run("validate", "--jsn");

        Assert.Equal(2, result.Exit);
        Assert.Contains("error: unknown option --jsn", result.Error);
        Assert.Contains("see: infra validate --help", result.Error);
    }

    [Fact]
    public void No_command_is_a_usage_error()
    {
        var result = InfraCli.Run();

        Assert.Equal(2, result.Exit);
        Assert.Contains("see: infra --help", result.Error);
    }
}
