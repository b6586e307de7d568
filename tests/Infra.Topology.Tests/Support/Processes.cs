using System.Diagnostics;

namespace Infra.Topology.Tests.Support;

/// <summary>Runs the real servers' own tools (nft, supervisord, ...). A missing tool fails the test: no silent skip.</summary>
public static class Processes
{
    public const string InstallHint =
        "run the project's install script (Debian: apt-get update && apt-get install -y --no-install-recommends nginx haproxy supervisor nftables)";

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        using var process = Create(file, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Starts a long-running process, its output drained so it never blocks; the caller stops it.</summary>
    public static Process Start(string file, IEnumerable<string> args)
    {
        var process = Create(file, args);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Process Create(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Find(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }

    public static string Find(string file)
    {
        if (file.Contains('/'))
        {
            Assert.True(File.Exists(file), $"{file} not found: {InstallHint}");
            return file;
        }

        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]);
        var found = dirs.Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"`{file}` is not installed (not on PATH): {InstallHint}");
        return found!;
    }
}
