using System.Diagnostics;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>
/// A file that holds a secret is never readable by anyone but its owner, not for an instant: the write step's own
/// script runs on a real file system, with stand-ins for chown (root would change the owner; here it is recorded) and
/// cat (which records the file's mode and owner at the moment the secret goes in). A new file is made under umask 077;
/// an existing one, as an earlier release left it (0644, readable by all), gets its owner and mode before its new
/// content; both keep their inode, which a running container's single-file mount points at.
/// </summary>
public class SecretFileTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_secret_goes_into_a_file_that_already_belongs_to_the_apps_user_alone(bool existedReadableByAll)
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var placed = plan.Hosts.SelectMany(h => h.Files).First(f => f.HoldsSecrets);
        using var sandbox = new Sandbox();
        var file = placed with { HostPath = Path.Combine(sandbox.Dir, "etc", "app-9210", "app.conf") };
        long? inode = null;
        if (existedReadableByAll)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.HostPath)!);
            File.WriteAllText(file.HostPath, "crate.password = the-old-one\n");
            Assert.Equal(0, Tools.Run(TimeSpan.FromSeconds(10), "chmod", "0644", file.HostPath).ExitCode);
            inode = Inode(file.HostPath);
        }

        // The step's stdin, the secret filled in as the runner fills it: the password alone.
        var result = sandbox.Run(Scripts.Write(file), Secrets.Fill(Scripts.WriteStdin(file), Password("the-new-one-0123456789")));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Secrets.Fill(placed.File.Content, Password("the-new-one-0123456789")), File.ReadAllText(file.HostPath));
        // When cat wrote the secret (the shell's printf into a file only root reads beside it, then cat into the file):
        // owner set first, mode 0600 (nothing for group or others).
        Assert.Equal($"chown {placed.Owner} {file.HostPath}\nwrite 600", sandbox.Log.Trim());
        Assert.Equal(["app.conf"], Directory.GetFileSystemEntries(Path.GetDirectoryName(file.HostPath)!).Select(Path.GetFileName));
        Assert.Equal("600", Mode(file.HostPath));
        if (inode is { } before)
        {
            Assert.Equal(before, Inode(file.HostPath));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_write_of_the_same_content_leaves_the_file_and_its_time_alone_and_a_new_content_goes_into_the_same_inode(bool secret)
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var placed = plan.Hosts.SelectMany(h => h.Files).First(f => f.HoldsSecrets == secret);
        using var sandbox = new Sandbox();
        var file = placed with { HostPath = Path.Combine(sandbox.Dir, "etc", "service", "file.conf") };
        // A file with a secret reads the secret on stdin, any other its content.
        string Stdin(string value) => secret ? Secrets.Fill(Scripts.WriteStdin(file), Password(value)) : value + "\n";
        string Content(string value) => secret ? Secrets.Fill(placed.File.Content, Password(value)) : value + "\n";
        Assert.Equal(0, sandbox.Run(Scripts.Write(file), Stdin("the-content-0123456789")).ExitCode);
        Assert.Equal(0, Tools.Run(TimeSpan.FromSeconds(10), "touch", "-d", "2020-01-01 00:00:00", file.HostPath).ExitCode);
        var inode = Inode(file.HostPath);

        // A step that runs again with the same content (replaced once by an upgrade, say): a restart that compares the
        // file's time with its container's start must not see a new file.
        Assert.Equal(0, sandbox.Run(Scripts.Write(file), Stdin("the-content-0123456789")).ExitCode);
        Assert.Equal("2020-01-01", File.GetLastWriteTimeUtc(file.HostPath).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, sandbox.Run(Scripts.Write(file), Stdin("a-new-content-0123456789")).ExitCode);
        Assert.Equal(Content("a-new-content-0123456789"), File.ReadAllText(file.HostPath));
        Assert.NotEqual("2020-01-01", File.GetLastWriteTimeUtc(file.HostPath).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(inode, Inode(file.HostPath));
        Assert.Equal(["file.conf"], Directory.GetFileSystemEntries(Path.GetDirectoryName(file.HostPath)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_without_a_secret_stays_readable_by_every_container_user()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var placed = plan.Hosts.SelectMany(h => h.Files).First(f => !f.HoldsSecrets && f.File.Path.EndsWith("nginx.conf", StringComparison.Ordinal));
        using var sandbox = new Sandbox();
        var file = placed with { HostPath = Path.Combine(sandbox.Dir, "etc", "nginx", "nginx.conf") };

        var result = sandbox.Run(Scripts.Write(file), "events {}\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("644", Mode(file.HostPath));
        Assert.DoesNotContain("chown", sandbox.Log, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Password(string value) => new() { [Secrets.CratePasswordKey] = value };

    private static string Mode(string path) => Tools.Run(TimeSpan.FromSeconds(10), "stat", "-c", "%a", path).Output.Trim();

    private static long Inode(string path) => long.Parse(Tools.Run(TimeSpan.FromSeconds(10), "stat", "-c", "%i", path).Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>chown recorded instead of done (no root needed); cat records the mode of what it writes to, then copies.</summary>
    private sealed class Sandbox : IDisposable
    {
        public Sandbox()
        {
            Dir = Directory.CreateTempSubdirectory("secret-file").FullName;
            var bin = Path.Combine(Dir, "bin");
            Directory.CreateDirectory(bin);
            Stub(bin, "chown", "echo \"chown $*\" >> \"$LOG\"");
            Stub(bin, "cat", "echo \"write $(stat -L -c %a /proc/self/fd/1)\" >> \"$LOG\"; exec /bin/cat \"$@\"");
        }

        public string Dir { get; }

        public string Log => File.Exists(Path.Combine(Dir, "log")) ? File.ReadAllText(Path.Combine(Dir, "log")) : "";

        public Tools.Result Run(string script, string stdin)
        {
            var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.Environment["PATH"] = Path.Combine(Dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
            psi.Environment["LOG"] = Path.Combine(Dir, "log");
            using var process = Process.Start(psi)!;
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)));
            return new Tools.Result(process.ExitCode, output.Result + errors.Result);
        }

        public void Dispose() => Directory.Delete(Dir, recursive: true);

        private static void Stub(string bin, string name, string body)
        {
            var path = Path.Combine(bin, name);
            File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
            Assert.Equal(0, Tools.Run(TimeSpan.FromSeconds(10), "chmod", "+x", path).ExitCode);
        }
    }
}
