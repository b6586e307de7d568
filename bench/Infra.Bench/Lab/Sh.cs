using System.Diagnostics;

namespace Infra.Bench.Lab;

/// <summary>Runs a command to completion with a time limit; a non-zero exit is an exception carrying its output.</summary>
public static class Sh
{
    public static string Run(string file, params string[] args) => Run(TimeSpan.FromSeconds(60), file, args);

    public static string Run(TimeSpan limit, string file, params string[] args)
    {
        var (code, output) = Try(limit, file, args);
        return code == 0 ? output : throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` exited {code}:\n{output}");
    }

    public static (int Code, string Output) Try(TimeSpan limit, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', args)}` did not finish within {limit.TotalSeconds:F0} s");
        }

        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
