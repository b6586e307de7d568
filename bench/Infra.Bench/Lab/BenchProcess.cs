using System.Diagnostics;

namespace Infra.Bench.Lab;

/// <summary>One server started by the bench: its output goes to a log file; killing it kills its whole process group.</summary>
public sealed class BenchProcess
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public BenchProcess(string host, string name, Process process, string logPath)
    {
        Host = host;
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Host { get; }

    public string Name { get; }

    public string LogPath { get; }

    public bool Exited => _process.HasExited;

    /// <summary>SIGKILL to the group: a crash, not a shutdown (an nginx worker once outlived a SIGTERM'd master).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Sh.Try(TimeSpan.FromSeconds(5), "kill", "-KILL", "--", $"-{_process.Id}");
            _process.WaitForExit(5000);
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }
}
