using System.Diagnostics;

namespace Infra.Lab;

public sealed record ShellResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    public override string ToString() => $"`{Command}` exited {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}".Trim();
}

/// <summary>Short-lived commands (ip, nft, supervisorctl, nginx -t): bounded, output captured, failures explained.</summary>
public static class Shell
{
    /// <summary>Starts <paramref name="file"/> with its output captured; returns it and its command line, for messages.</summary>
    public static (Process Process, string Command) Start(string file, IEnumerable<string> args, bool stdin)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var command = file + " " + string.Join(' ', psi.ArgumentList);
        return (Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {command}"), command);
    }

    public static ShellResult Run(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var (started, command) = Start(file, args, stdin is not null);
        using var process = started;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(20)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{command}` did not finish within {(timeout ?? TimeSpan.FromSeconds(20)).TotalSeconds} s");
        }

        return new ShellResult(command, process.ExitCode, stdout.Result, stderr.Result);
    }

    public static ShellResult Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);

    public static ShellResult Check(string file, params string[] args) => Check(file, args, null);

    public static ShellResult Check(string file, IEnumerable<string> args, string? stdin)
    {
        var result = Run(file, args, stdin);
        return result.Ok ? result : throw new InvalidOperationException(result.ToString() + (stdin is null ? "" : "\ninput:\n" + stdin));
    }

    /// <summary>A command run inside a lab namespace (nsenter, not `ip netns exec`, which remounts /sys).</summary>
    public static ShellResult In(string nsPath, string file, params string[] args) =>
        Run("nsenter", new[] { "--net=" + nsPath, "--", file }.Concat(args));

    public static bool Exists(string tool) =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
