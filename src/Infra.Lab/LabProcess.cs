using System.Diagnostics;

namespace Infra.Lab;

/// <summary>
/// A long-running program inside a lab namespace, in a session (and process group) of its own, its output
/// in a log file. Stopping it signals the whole group and then checks that nothing of the group is left.
/// </summary>
public sealed class LabProcess
{
    private readonly Process _process;

    private LabProcess(string name, LabHost host, string logPath, Process process, string commandLine)
    {
        Name = name;
        Host = host;
        LogPath = logPath;
        _process = process;
        CommandLine = commandLine;
    }

    public string Name { get; }

    public LabHost Host { get; }

    public string LogPath { get; }

    public string CommandLine { get; }

    /// <summary>Also the process group and session id: setsid made the program a session leader.</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    public string LogTail(int lines = 20) => string.Join('\n', Log.TrimEnd().Split('\n').TakeLast(lines));

    public Task WaitForExit(CancellationToken cancel) => _process.WaitForExitAsync(cancel);

    internal static LabProcess Start(LabHost host, string name, string logPath, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(logPath)! };
        // sh, setsid and nsenter each exec the next, so the pid we hold is the program's own pid.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=$1; ns=$2; shift 2; exec setsid nsenter --net=\"$ns\" -- \"$@\" >>\"$log\" 2>&1 </dev/null");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(logPath);
        psi.ArgumentList.Add(host.NsPath);
        psi.ArgumentList.Add(file);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var commandLine = string.Join(' ', psi.ArgumentList.Skip(5));
        File.AppendAllText(logPath, $"# {DateTime.Now:HH:mm:ss.fff} start in {host.Namespace}: {commandLine}\n");
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {commandLine}");
        var started = new LabProcess(name, host, logPath, process, commandLine);
        started.WaitForSession();
        return started;
    }

    /// <summary>Until setsid has run, the pid is still in our own group: signalling "its group" then would hit the test.</summary>
    private void WaitForSession()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (_process.HasExited)
            {
                return;
            }

            var me = ProcessTable.Snapshot().FirstOrDefault(p => p.Pid == Pid);
            if (me is null || (me.Session == Pid && me.Group == Pid))
            {
                return;
            }

            Thread.Sleep(2);
        }

        throw new InvalidOperationException($"{Name}: pid {Pid} did not become a session leader within 5 s");
    }

    public bool Signal(int signal) => !_process.HasExited && Native.Signal(Pid, signal);

    /// <summary>What is still running in this program's process group (zombies aside).</summary>
    public IReadOnlyList<ProcInfo> GroupLeft() => ProcessTable.InGroup(Pid);

    /// <summary>SIGTERM to the group, SIGKILL after <paramref name="grace"/> (at once for zero); returns what survived (should be nothing).</summary>
    public async Task<IReadOnlyList<ProcInfo>> Stop(TimeSpan grace)
    {
        if (GroupLeft().Count == 0)
        {
            return [];
        }

        if (grace > TimeSpan.Zero)
        {
            Native.Signal(-Pid, Native.SIGTERM);
            try
            {
                await Bounded.Until($"{Name} to stop", grace, () => GroupLeft().Count == 0, pollMs: 20);
                return [];
            }
            catch (TimeoutException)
            {
            }
        }

        Native.Signal(-Pid, Native.SIGKILL);
        try
        {
            await Bounded.Until($"{Name} to die", TimeSpan.FromSeconds(3), () => GroupLeft().Count == 0, pollMs: 20);
        }
        catch (TimeoutException)
        {
        }

        return GroupLeft();
    }

    /// <summary>Kills the group at once (a crash, not a shutdown) and waits until it is gone.</summary>
    public Task<IReadOnlyList<ProcInfo>> Kill() => Stop(TimeSpan.Zero);

    public override string ToString() => $"{Name} (pid {Pid} in {Host.Namespace})";
}
