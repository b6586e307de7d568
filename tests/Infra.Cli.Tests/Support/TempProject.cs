using System.Diagnostics;

namespace Infra.Cli.Tests.Support;

/// <summary>A throwaway Pulumi project (Pulumi.yaml, stacks/) in a temp folder, optionally a git repository.</summary>
public sealed class TempProject : IDisposable
{
    public TempProject()
    {
        Root = Directory.CreateTempSubdirectory("infra-cli-test-").FullName;
        File.WriteAllText(Path.Combine(Root, "Pulumi.yaml"), "name: microblog-infra\nruntime: dotnet\nstackConfigDir: stacks\n");
        Directory.CreateDirectory(Path.Combine(Root, "stacks"));
    }

    public string Root { get; }

    public string StackPath(string stack) => Path.Combine(Root, "stacks", $"Pulumi.{stack}.yaml");

    public static string CommittedStack(string stack) => File.ReadAllText(Path.Combine(InfraCli.RepoRoot, "stacks", $"Pulumi.{stack}.yaml"));

    public TempProject WithStack(string stack, string text)
    {
        File.WriteAllText(StackPath(stack), text);
        return this;
    }

    public TempProject WithFile(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public Outcome Run(params string[] args) => InfraCli.RunIn(Root, args);

    public void Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {error.Result}");
    }

    public void Commit(string message)
    {
        Git("add", "-A");
        Git("commit", "-q", "-m", message);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
