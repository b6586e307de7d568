using System.Diagnostics;

namespace Infra.Cli.Tests.Support;

/// <summary>What one run of the CLI printed and how it exited.</summary>
public sealed record Outcome(int Exit, string Out, string Error)
{
    public override string ToString() => $"exit {Exit}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>Runs `infra` through its entry point (as Main does), or as the built program in a process.</summary>
public static class InfraCli
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>`infra ARGS` in the repository root.</summary>
    public static Outcome Run(params string[] args) => RunIn(RepoRoot, args);

    public static Outcome RunIn(string workingDir, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = Cli.Run(args, stdout, stderr, workingDir);
        return new Outcome(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built infra.dll in a process of its own: what an operator's shell runs.</summary>
    public static Outcome RunProcess(string workingDir, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "infra.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Outcome(process.ExitCode, output, error.Result);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Infra.sln not found above " + AppContext.BaseDirectory);
    }
}
