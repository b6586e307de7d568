using System.Diagnostics;

namespace Infra.Bench.Lab;

/// <summary>One server started by the bench, its output in a log file; killing it kills its whole process group.</summary>
public sealed class BenchProcess(string host, string name, Process process, string logPath)
{
    public string Host { get; } = host;

    public string Name { get; } = name;

    public string LogPath { get; } = logPath;

    public bool Exited => process.HasExited;

    /// <summary>SIGKILL to the group: a crash, not a shutdown (an nginx worker once outlived a SIGTERM'd master).</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            Sh.Try(TimeSpan.FromSeconds(5), "kill", "-KILL", "--", $"-{process.Id}");
            process.WaitForExit(5000);
        }
    }
}
