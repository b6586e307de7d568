namespace Infra.Lab;

/// <summary>One live process as /proc shows it. Finished zombies are left out: they hold no port and only wait to be reaped.</summary>
public sealed record ProcInfo(int Pid, int ParentPid, int Group, int Session, string NetId, string CommandLine)
{
    public override string ToString() => $"pid {Pid} (group {Group}, {NetId}): {CommandLine}";
}

public static class ProcessTable
{
    public static IReadOnlyList<ProcInfo> Snapshot()
    {
        var list = new List<ProcInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // A killed multi-threaded process shows Z on its leader while other threads still hold its sockets.
                if (fields[0] is "Z" or "X" && Directory.GetDirectories(Path.Combine(dir, "task")).Length <= 1)
                {
                    continue;
                }

                var net = new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget ?? "";
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                list.Add(new ProcInfo(pid, int.Parse(fields[1]), int.Parse(fields[2]), int.Parse(fields[3]), net, cmdline));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the process ended while we looked
            }
        }

        return list;
    }

    /// <summary>Whether a process still runs: any thread of it alive (a zombie whose last thread ended only waits to be reaped).</summary>
    public static bool Exists(int pid)
    {
        var dir = $"/proc/{pid}";
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X') || Directory.GetDirectories(Path.Combine(dir, "task")).Length > 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    public static IReadOnlyList<ProcInfo> InGroup(int group) => Snapshot().Where(p => p.Group == group).ToList();

    public static IReadOnlyList<ProcInfo> InNamespace(string netId) => Snapshot().Where(p => p.NetId == netId).ToList();
}
