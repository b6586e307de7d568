using Infra.Lab.Containers;

namespace Infra.Lab.Session;

/// <summary>
/// `infra lab down`: everything of the lab found by its name and folder, with or without a state file (a crashed run
/// leaves one half written, or none): containers removed, every process in the lab's namespaces stopped (SIGTERM, then
/// SIGKILL), the namespaces and this machine's link deleted, Docker's cgroups and mounts, the deploy access, the folder.
/// </summary>
public static class LabSweep
{
    public static bool NamesLab(string text) =>
        text.Contains(LabPlaces.Dir + "/", StringComparison.Ordinal) || text.Contains("/" + LabPlaces.Place.Prefix, StringComparison.Ordinal)
        || text.StartsWith(LabPlaces.Place.Prefix, StringComparison.Ordinal);

    /// <summary>What of a lab is on this machine: empty when there is none.</summary>
    public static IReadOnlyList<string> Leftovers() =>
        [
            .. Namespaces().Select(n => "namespace " + n),
            .. ContainerTraces.Processes(NamesLab).Select(p => "process " + p),
            .. ContainerTraces.CgroupDirs(NamesLab).Select(d => "cgroup " + d),
            .. ContainerTraces.Mounts(NamesLab).Select(m => "mount " + m),
            .. DeviceExists() ? ["link " + LabPlaces.Device] : Array.Empty<string>(),
            .. DeployAccess.KeptLeaks(),
            .. Directory.Exists(LabPlaces.Dir) ? ["folder " + LabPlaces.Dir] : Array.Empty<string>(),
        ];

    /// <summary>Removes it all; returns what could not be removed (should be nothing).</summary>
    public static async Task<IReadOnlyList<string>> Run(Action<string> note)
    {
        foreach (var socket in Directory.Exists(Path.Combine(LabPlaces.Dir, "hosts"))
            ? Directory.GetDirectories(Path.Combine(LabPlaces.Dir, "hosts")).Select(h => Path.Combine(h, "docker", "docker.sock")).Where(File.Exists)
            : [])
        {
            var ids = LabDocker.Run(socket, ["ps", "-aq"], timeout: TimeSpan.FromSeconds(10)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length > 0)
            {
                var removed = LabDocker.Run(socket, new[] { "rm", "-f", "-v" }.Concat(ids), timeout: TimeSpan.FromSeconds(60));
                note($"{HostOf(socket)}: {ids.Length} containers removed" + (removed.Ok ? "" : $" ({removed.Stderr.Trim()})"));
            }
        }

        var namespaces = Namespaces().ToDictionary(n => n, n => NetIdOrNull("/run/netns/" + n));
        var netIds = namespaces.Values.OfType<string>().ToHashSet();
        IReadOnlyList<ProcInfo> Inside() => ProcessTable.Snapshot().Where(p => netIds.Contains(p.NetId) && p.Pid != Environment.ProcessId).ToList();
        var running = Inside();
        if (running.Count > 0)
        {
            // supervisord stops its programs, dockerd its containerd, sshd and the agent just go.
            foreach (var p in running)
            {
                Native.Signal(p.Pid, Native.SIGTERM);
            }

            // Waited for by pid, not by namespace: a multi-threaded daemon that is exiting (dockerd, for seconds) no longer
            // shows its namespace or command line, but it is not gone until its last thread is.
            var pids = running.Select(p => p.Pid).ToList();
            IReadOnlyList<int> Alive() => pids.Where(ProcessTable.Exists).ToList();
            try
            {
                await Bounded.Until("the lab's processes to stop", TimeSpan.FromSeconds(15), () => Alive().Count == 0, pollMs: 100);
            }
            catch (TimeoutException)
            {
                foreach (var pid in Alive())
                {
                    Native.Signal(pid, Native.SIGKILL);
                }

                await Bounded.Until("the lab's processes to die", TimeSpan.FromSeconds(10), () => Alive().Count == 0, pollMs: 50,
                    lastSeen: () => string.Join("; ", Alive().Select(pid => $"pid {pid}")));
            }

            note($"{running.Count} processes stopped in {namespaces.Count} namespaces");
        }

        foreach (var name in namespaces.Keys)
        {
            Shell.Run("ip", "netns", "delete", name);
        }

        if (DeviceExists())
        {
            Shell.Run("ip", "link", "delete", LabPlaces.Device);
        }

        var left = ContainerTraces.Remove(NamesLab);
        DeployAccess.RemoveKept(note);
        if (Directory.Exists(LabPlaces.Dir))
        {
            Directory.Delete(LabPlaces.Dir, recursive: true);
        }

        return [.. left, .. Leftovers()];
    }

    private static IEnumerable<string> Namespaces() =>
        Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns", LabPlaces.Place.Prefix + "*").Select(f => Path.GetFileName(f)!) : [];

    private static string? NetIdOrNull(string path)
    {
        try
        {
            return Native.NetId(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool DeviceExists() => Directory.Exists("/sys/class/net/" + LabPlaces.Device);

    private static string HostOf(string socket) => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(socket)))!;
}
