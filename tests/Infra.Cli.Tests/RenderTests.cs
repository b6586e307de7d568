using System.Text.Json;
using Infra.Cli.Tests.Support;
using Infra.Topology.Configs;

namespace Infra.Cli.Tests;

public sealed class RenderTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("infra-render-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>The core's checked-in golden files: what `infra render` must write, file by file.</summary>
    private static readonly string GoldenFolder = Path.Combine(InfraCli.RepoRoot, "tests", "Infra.Topology.Tests", "golden");

    private static string Golden(string stack, string host, string path) => Path.Combine(GoldenFolder, stack, host, path);

    [Fact]
    public void The_table_lists_every_file_with_its_host_service_ports_and_size()
    {
        var result = InfraCli.Run("render", "two-host");

        Assert.True(result.Exit == 0, result.ToString());
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^host +service +port\(s\) +file +size$", lines[0]);
        var haproxySize = new FileInfo(Golden("two-host", "host1", "haproxy/haproxy.cfg")).Length;
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^host1 +haproxy +9100 +haproxy/haproxy\.cfg +{haproxySize}$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^host2 +crate +4200, 4300, 5432 +crate-4200/crate\.yml +\d+$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^front +load balancer +80 +lb/haproxy\.cfg +\d+$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^host1 +firewall +- +nftables\.conf +\d+$"));
        // a heading, a line per file, the summary and the note
        Assert.Equal(1 + 12 + 2, lines.Length);
        Assert.Equal("two-host: 12 files for 3 hosts (--out DIR writes them)", lines[^2]);
        // app.conf carries the password's placeholder; the value is never printed, and the note says where it comes from.
        Assert.Equal("note: {{secret microblog:cratePassword}} stands for the stack's secret microblog:cratePassword (pulumi config set --secret microblog:cratePassword <value>): `pulumi up` fills it in and keeps it encrypted in the state; it is never printed", lines[^1]);
        Assert.Contains("warning: microblog:hosts: 2 master-eligible CrateDB nodes cannot survive", result.Error);
    }

    [Fact]
    public void Out_writes_a_folder_per_host_holding_exactly_the_rendered_files()
    {
        var dir = Path.Combine(_scratch, "out");

        var result = InfraCli.Run("render", "three-host", "--out", dir);

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains($"three-host: wrote 17 files for 4 hosts to {dir}\n", result.Out);
        var golden = Path.Combine(GoldenFolder, "three-host");
        var expected = Directory.EnumerateFiles(golden, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(golden, f)).Order().ToList();
        Assert.Equal(17, expected.Count);
        Assert.Equal(expected, Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Where(f => f != ".infra-render").Order());
        Assert.All(expected, file => Assert.Equal(File.ReadAllText(Path.Combine(golden, file)), File.ReadAllText(Path.Combine(dir, file))));

        Assert.Equal(["front", "host1", "host2", "host3"], Directory.GetDirectories(dir).Select(Path.GetFileName).Order());
        Assert.True(File.Exists(Path.Combine(dir, "host3", "app-9210", "app.conf")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Out_writes_the_supervisord_scripts_executable_beside_supervisord_conf()
    {
        var dir = Path.Combine(_scratch, "out");

        var result = InfraCli.Run("render", "single-host", "--out", dir);

        Assert.True(result.Exit == 0, result.ToString());
        var host = Path.Combine(dir, "localhost");
        foreach (var program in SupervisordConfig.Programs)
        {
            var mode = File.GetUnixFileMode(Path.Combine(host, "bin", program));
            Assert.True(mode.HasFlag(UnixFileMode.UserExecute) && mode.HasFlag(UnixFileMode.OtherExecute), $"bin/{program} is {mode}");
        }

        Assert.False(File.GetUnixFileMode(Path.Combine(host, "supervisord.conf")).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(SupervisordConfig.Extension, File.ReadAllText(Path.Combine(host, "lib", "microblog_supervisor.py")));
        Assert.Matches(@"(?m)^localhost +supervisord +- +bin/supervisorctl +\d+$", result.Out);
    }

    [Fact]
    public void Out_may_rewrite_an_earlier_render_and_leaves_its_extra_files_in_place()
    {
        var dir = Path.Combine(_scratch, "out");
        Assert.Equal(0, InfraCli.Run("render", "three-host", "--out", dir).Exit);

        var again = InfraCli.Run("render", "two-host", "--out", dir);

        Assert.True(again.Exit == 0, again.ToString());
        Assert.Contains("warning: host3/app-9210/app.conf is from an earlier render and not part of this one; it was left in place", again.Error);
        Assert.True(File.Exists(Path.Combine(dir, "host3", "app-9210", "app.conf")));
        Assert.Equal(File.ReadAllText(Golden("two-host", "host1", "haproxy/haproxy.cfg")), File.ReadAllText(Path.Combine(dir, "host1", "haproxy", "haproxy.cfg")));
    }

    [Fact]
    public void Out_refuses_a_folder_it_did_not_write_and_touches_nothing()
    {
        var dir = Path.Combine(_scratch, "mine");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "keep me");

        var result = InfraCli.Run("render", "two-host", "--out", dir);

        Assert.Equal(1, result.Exit);
        Assert.Contains($"error: --out {dir}: the folder is not empty and was not written by infra render", result.Error);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Json_lists_every_file_with_its_size_and_hash()
    {
        var result = InfraCli.Run("render", "split-role", "--json");

        Assert.True(result.Exit == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("split-role", json.RootElement.GetProperty("stack").GetString());
        var files = json.RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(16, files.Count);
        var nginx = files.Single(f => f.GetProperty("host").GetString() == "rp-host1" && f.GetProperty("path").GetString() == "nginx/nginx.conf");
        var golden = File.ReadAllBytes(Golden("split-role", "rp-host1", "nginx/nginx.conf"));
        Assert.Equal(golden.Length, nginx.GetProperty("size").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(golden)), nginx.GetProperty("sha256").GetString());
        Assert.Equal("rp-host1-nginx", nginx.GetProperty("instance").GetString());
        Assert.Equal([80], nginx.GetProperty("ports").EnumerateArray().Select(p => p.GetInt32()));
    }

    [Fact]
    public void A_missing_stack_is_invalid_input()
    {
        var result = InfraCli.Run("render", "four-host");

        Assert.Equal(1, result.Exit);
        Assert.Equal("", result.Out);
        Assert.StartsWith("error: no stack \"four-host\"", result.Error);
    }

    [Fact]
    public void An_invalid_stack_prints_every_error_and_writes_nothing()
    {
        using var project = new TempProject().WithStack("x", TempProject.CommittedStack("two-host").Replace("address: 192.0.2.12", "address: 192.0.2.11"));
        var dir = Path.Combine(_scratch, "never");

        var result = project.Run("render", "x", "--out", dir);

        Assert.Equal(1, result.Exit);
        Assert.Contains("stacks/Pulumi.x.yaml", result.Error);
        Assert.Contains("x: invalid (", result.Error);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Malformed_yaml_is_reported_with_line_and_column()
    {
        using var project = new TempProject().WithStack("x", "config:\n  microblog:layout: colocated\n    hosts: oops\n");

        var result = project.Run("render", "x");

        Assert.Equal(1, result.Exit);
        Assert.Matches(@"stacks/Pulumi\.x\.yaml:3:\d+: error: not valid YAML", result.Error);
    }

    [Fact]
    public void A_stack_at_a_revision_is_rendered_as_it_was()
    {
        using var project = new TempProject();
        project.Git("init", "-q");
        project.WithStack("prod", TempProject.CommittedStack("three-host")).Commit("three hosts");
        project.WithStack("prod", TempProject.CommittedStack("two-host"));

        var then = project.Run("render", "prod@HEAD");
        var now = project.Run("render", "prod");

        Assert.Contains("host3  ", then.Out);
        Assert.DoesNotContain("host3  ", now.Out);
        Assert.Equal(1, project.Run("render", "prod@v9").Exit);
    }
}
