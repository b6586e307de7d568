using System.Text.RegularExpressions;

namespace Infra.Lab.Containers;

/// <summary>
/// What Docker leaves outside the lab's namespaces, found by name: containerd and its shims name the host's
/// folder on their command line; containers sit in cgroups under the host's cgroup parent (named like its
/// network namespace), which stay as empty folders after the containers are gone; and any mount naming a run
/// folder. Used for this lab's teardown and leak check, and for the leftovers of a crashed run.
/// </summary>
public static partial class ContainerTraces
{
    private const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>Processes whose command line names <paramref name="path"/> or that sit in a cgroup of that name.</summary>
    public static IReadOnlyList<ProcInfo> Processes(Func<string, bool> namesLab) =>
        ProcessTable.Snapshot()
            .Where(p => p.Pid != Environment.ProcessId && (namesLab(p.CommandLine) || Cgroups(p.Pid).Any(namesLab)))
            .ToList();

    /// <summary>Cgroup folders (every hierarchy) whose name matches: a host's cgroup parent and the containers under it.</summary>
    public static IReadOnlyList<string> CgroupDirs(Func<string, bool> namesLab) =>
        Directory.Exists(CgroupRoot)
            ? Directory.GetDirectories(CgroupRoot)
                .SelectMany(hierarchy => SafeDirectories(hierarchy).Where(d => namesLab(Path.GetFileName(d))))
                .ToList()
            : [];

    /// <summary>Mounts of the root namespace whose mount point matches, but for the network namespaces' own (NetnsLab's to remove).</summary>
    public static IReadOnlyList<string> Mounts(Func<string, bool> namesLab) =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' ')[4])
            .Where(m => namesLab(m) && !m.StartsWith("/run/netns/", StringComparison.Ordinal))
            .ToList();

    /// <summary>SIGKILL to each process, then rmdir of the cgroups (deepest first); returns what could not be removed.</summary>
    public static IReadOnlyList<string> Remove(Func<string, bool> namesLab)
    {
        var left = new List<string>();
        foreach (var mount in Mounts(namesLab).OrderByDescending(m => m.Length))
        {
            Shell.Run("umount", "-l", mount);
        }

        var victims = Processes(namesLab);
        foreach (var p in victims)
        {
            Native.Signal(p.Pid, Native.SIGKILL);
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && Processes(namesLab).Count > 0)
        {
            Thread.Sleep(20);
        }

        left.AddRange(Processes(namesLab).Select(p => "process " + p));
        foreach (var dir in CgroupDirs(namesLab).SelectMany(d => SafeDirectories(d).Append(d)).OrderByDescending(d => d.Count(c => c == '/')))
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException e)
            {
                left.Add($"cgroup {dir}: {e.Message}");
            }
        }

        return left;
    }

    /// <summary>Leftovers of test processes that are gone: their Docker engines, containers, cgroups and mounts.</summary>
    public static void RemoveStale(Action<string> note)
    {
        bool Dead(string text) =>
            StaleName().Matches(text).Any(m => !Directory.Exists("/proc/" + m.Groups[1].Value));
        var found = Processes(Dead).Count + CgroupDirs(Dead).Count + Mounts(Dead).Count;
        if (found == 0)
        {
            return;
        }

        var left = Remove(Dead);
        note($"removed {found} leftovers (Docker processes, cgroups, mounts) of finished test runs" + (left.Count > 0 ? "; could not remove: " + string.Join("; ", left) : ""));
    }

    private static IEnumerable<string> Cgroups(int pid)
    {
        try
        {
            return File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3).Last());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeDirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>A run folder or namespace name of a test process: `mbt&lt;pid&gt;-&lt;n&gt;`.</summary>
    [GeneratedRegex(NetnsLab.NamePrefix + @"(\d+)-\d+")]
    private static partial Regex StaleName();
}
