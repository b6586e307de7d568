using System.Diagnostics;

namespace Infra.Lab.Containers;

/// <summary>Commands that take a while (debootstrap, dotnet publish): each output line goes to a callback as it comes.</summary>
internal static class Streamed
{
    public static ShellResult Run(string file, IEnumerable<string> args, Action<string> line, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var command = file + " " + string.Join(' ', psi.ArgumentList);
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Collect(stdout, e.Data, line);
        process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data, line);
        if (!process.Start())
        {
            throw new InvalidOperationException($"cannot start {command}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{command}` did not finish within {timeout.TotalSeconds} s");
        }

        // The parameterless wait drains the asynchronous readers.
        process.WaitForExit();
        return new ShellResult(command, process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static void Collect(System.Text.StringBuilder into, string? data, Action<string> line)
    {
        if (data is null)
        {
            return;
        }

        lock (into)
        {
            into.AppendLine(data);
        }

        line(data);
    }
}
