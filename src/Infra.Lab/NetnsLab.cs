using System.Net;
using System.Text.RegularExpressions;
using Infra.Topology.Configs;

namespace Infra.Lab;

/// <summary>A host of the lab: a network namespace with one address on the lab's switch.</summary>
public sealed record LabHost(string Name, string Namespace, string Address, string NetId, string SwitchPort)
{
    public string NsPath => "/run/netns/" + Namespace;

    public override string ToString() => $"{Name} ({Address})";
}

/// <summary>Where a lab lives: the prefix of its namespaces' names, its run folder, its /24 (first three octets).</summary>
public sealed record LabPlace(string Prefix, string RunDir, string Network);

/// <summary>What it takes to find a running lab again from another process: its namespaces and address counters.</summary>
public sealed record NetnsSnapshot(LabHost Switch, LabHost Outside, IReadOnlyList<LabHost> Hosts, int NextAddress, int Ports);

/// <summary>
/// Hosts as network namespaces: a switch namespace with a bridge, one namespace per host cabled to it by a
/// veth pair, and an "outside" namespace for clients. A test's lab takes its addresses from 10.231.0.0/24, which
/// exists only on its own bridge, so parallel or leftover labs cannot collide, and its names carry the test process
/// id (`mbt<pid>-<n>-`), which is how a later run recognises and removes what a crashed run left behind. `infra lab`
/// makes one lab of its own place (<see cref="LabPlace"/>) that outlives the command (<see cref="KeepRunning"/>).
/// </summary>
public sealed partial class NetnsLab : IAsyncDisposable
{
    public const string Subnet = "10.231.0";
    public const string NamePrefix = "mbt";
    private static int _labs;
    private static readonly List<NetnsLab> Open = [];
    private readonly Dictionary<string, LabHost> _hosts = new(StringComparer.Ordinal);
    private readonly List<LabHost> _namespaces = [];
    private readonly List<LabProcess> _processes = [];
    private readonly Action<string>? _output;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _nextAddress = 11;
    private int _ports;
    private bool _torn;

    static NetnsLab() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var lab in Open.ToList())
        {
            lab.Sweep();
        }
    };

    private NetnsLab(Action<string>? output, LabPlace? place = null, NetnsSnapshot? running = null)
    {
        _output = output;
        Prefix = place?.Prefix ?? $"{NamePrefix}{Environment.ProcessId}-{Interlocked.Increment(ref _labs)}-";
        RunDir = place?.RunDir ?? Path.Combine(Path.GetTempPath(), Prefix.TrimEnd('-'));
        Network = place?.Network ?? Subnet;
        if (running is not null)
        {
            Switch = running.Switch;
            Outside = running.Outside;
            _namespaces.AddRange([Switch, Outside, .. running.Hosts]);
            foreach (var host in running.Hosts)
            {
                _hosts[host.Name] = host;
            }

            (_nextAddress, _ports) = (running.NextAddress, running.Ports);
            return;
        }

        Directory.CreateDirectory(RunDir);
        // nginx workers drop to `nobody` and must still reach their temp folders under the run folder.
        File.SetUnixFileMode(RunDir, (UnixFileMode)0x1ed);
        lock (Open)
        {
            Open.Add(this);
        }

        Switch = CreateNamespace("switch", "sw", null);
        Shell.Check("ip", ["-n", Switch.Namespace, "-batch", "-"], "link add br0 type bridge\nlink set br0 up\nlink set lo up\n");
        Outside = AddHost("outside", $"{Network}.100");
        _hosts.Remove("outside");
    }

    public string Prefix { get; }

    /// <summary>The first three octets of the lab's /24: <see cref="Subnet"/> for a test's lab.</summary>
    public string Network { get; }

    public string RunDir { get; }

    public LabHost Switch { get; }

    /// <summary>Where test clients run: on the lab's network like any host, but not part of the topology.</summary>
    public LabHost Outside { get; }

    public IReadOnlyCollection<LabHost> Hosts => _hosts.Values;

    public IReadOnlyList<LabProcess> Processes => _processes;

    /// <summary>A line in the test's output, stamped with the time since the lab was created.</summary>
    public void Note(string message) => _output?.Invoke($"[{_clock.Elapsed.TotalSeconds,6:F2} s] {message}");

    public LabHost this[string name] => _hosts.TryGetValue(name, out var host) ? host : throw new KeyNotFoundException($"no lab host `{name}`");

    public static NetnsLab Create(Action<string>? output = null)
    {
        RemoveStale(output);
        return new NetnsLab(output);
    }

    /// <summary>A new lab at a place of its own (`infra lab`'s): its namespaces are named by the place's prefix, not by this process.</summary>
    public static NetnsLab Create(LabPlace place, Action<string>? output) => new(output, place);

    /// <summary>A lab an earlier process made and kept running, found again from its snapshot; it is kept running too.</summary>
    public static NetnsLab Attach(LabPlace place, NetnsSnapshot running, Action<string>? output) => new(output, place, running);

    public NetnsSnapshot Snapshot() => new(Switch, Outside, [.. _hosts.Values], _nextAddress, _ports);

    /// <summary>The lab outlives this process: nothing of it is swept when the process exits; `Teardown` or a sweep by name ends it.</summary>
    public void KeepRunning()
    {
        lock (Open)
        {
            Open.Remove(this);
        }
    }

    /// <summary>
    /// Cables the machine's own network namespace to the lab's switch: a veth named <paramref name="device"/> with the
    /// lab network's first address, so that this machine reaches the hosts' addresses (and nothing else changes here).
    /// </summary>
    public string LinkThisMachine(string device)
    {
        var address = $"{Network}.1";
        Shell.Check("ip", ["-batch", "-"], $"link add {device} type veth peer name up0 netns {Switch.Namespace}\naddr add {address}/24 dev {device}\nlink set {device} up\n");
        Shell.Check("ip", ["-n", Switch.Namespace, "-batch", "-"], "link set up0 master br0 up\n");
        return address;
    }

    public LabHost AddHost(string name, string? address = null)
    {
        if (_hosts.ContainsKey(name))
        {
            throw new InvalidOperationException($"lab host `{name}` exists already");
        }

        var host = CreateNamespace(name, SafeName(name), address ?? $"{Network}.{_nextAddress++}");
        Shell.Check("ip", ["-n", Switch.Namespace, "-batch", "-"],
            $"link add {host.SwitchPort} type veth peer name eth0 netns {host.Namespace}\nlink set {host.SwitchPort} master br0 up\n");
        Shell.Check("ip", ["-n", host.Namespace, "-batch", "-"],
            $"addr add {host.Address}/24 dev eth0\nlink set eth0 up\nlink set lo up\n");
        _hosts[name] = host;
        return host;
    }

    /// <summary>
    /// A CrateDB host's admin network (<see cref="Infra.Topology.Configs.CrateAccess"/>), as the plan has Docker make it:
    /// its bridge on the host, with the gateway address each node also listens on. Made once per host.
    /// </summary>
    public void AddAdminBridge(LabHost host)
    {
        if (Shell.In(host.NsPath, "ip", "link", "show", CrateAccess.AdminBridge).Ok)
        {
            return;
        }

        var prefix = CrateAccess.AdminSubnet.Split('/')[1];
        Shell.Check("ip", ["-n", host.Namespace, "-batch", "-"],
            $"link add {CrateAccess.AdminBridge} type bridge\naddr add {CrateAccess.AdminGateway}/{prefix} dev {CrateAccess.AdminBridge}\nlink set {CrateAccess.AdminBridge} up\n");
    }

    /// <summary>
    /// Where the process tier runs what the plan runs in a container on a host's admin network: a namespace of its own,
    /// cabled to the host's admin bridge at the first client address (as Docker would give the container).
    /// </summary>
    public LabHost AdminClient(LabHost host)
    {
        var name = host.Name + "-admin";
        if (_adminClients.TryGetValue(name, out var known))
        {
            return known;
        }

        AddAdminBridge(host);
        var prefix = CrateAccess.AdminSubnet.Split('/')[1];
        var address = IPNetwork.Parse(CrateAccess.AdminClients).BaseAddress.ToString();
        var client = CreateNamespace(name, SafeName(name), address);
        Shell.Check("ip", ["-n", host.Namespace, "-batch", "-"],
            $"link add {client.SwitchPort} type veth peer name eth0 netns {client.Namespace}\nlink set {client.SwitchPort} master {CrateAccess.AdminBridge} up\n");
        Shell.Check("ip", ["-n", client.Namespace, "-batch", "-"], $"addr add {address}/{prefix} dev eth0\nlink set eth0 up\nlink set lo up\n");
        _adminClients[name] = client;
        return client;
    }

    private readonly Dictionary<string, LabHost> _adminClients = new(StringComparer.Ordinal);

    /// <summary>The host's own folder for its configs and state; each process's log goes to logs/.</summary>
    public string HostDir(LabHost host)
    {
        var dir = Path.Combine(RunDir, "hosts", host.Name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public LabProcess Start(LabHost host, string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        ObjectDisposedException.ThrowIf(_torn, this);
        var logs = Path.Combine(RunDir, "logs");
        Directory.CreateDirectory(logs);
        var process = LabProcess.Start(host, name, Path.Combine(logs, $"{host.Name}-{name}.log"), file, args, environment, workingDirectory ?? HostDir(host));
        _processes.Add(process);
        Note($"started {process}");
        return process;
    }

    /// <summary>Every process in the host's namespace, whoever started it (supervisord's children leave its group).</summary>
    public IReadOnlyList<ProcInfo> ProcessesIn(LabHost host) => ProcessTable.InNamespace(host.NetId);

    /// <summary>The host crashes: every process in its namespace gets SIGKILL at once.</summary>
    public async Task<IReadOnlyList<ProcInfo>> KillEverythingIn(LabHost host)
    {
        var victims = ProcessesIn(host);
        foreach (var p in victims)
        {
            Native.Signal(p.Pid, Native.SIGKILL);
        }

        await Bounded.Until($"every process on {host.Name} to die", TimeSpan.FromSeconds(5), () => ProcessesIn(host).Count == 0,
            lastSeen: () => string.Join("; ", ProcessesIn(host)));
        return victims;
    }

    /// <summary>Unplugs the host's cable at the switch: the host does not notice, its peers stop hearing from it.</summary>
    public void LinkDown(LabHost host) => Shell.Check("ip", "-n", Switch.Namespace, "link", "set", host.SwitchPort, "down");

    public void LinkUp(LabHost host) => Shell.Check("ip", "-n", Switch.Namespace, "link", "set", host.SwitchPort, "up");

    /// <summary>Loads an nftables ruleset into the host's namespace (rulesets are per namespace).</summary>
    public void ApplyNftables(LabHost host, string file)
    {
        var result = Shell.In(host.NsPath, "nft", "-f", file);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"nft -f {file} on {host.Name}: {result.Stderr.Trim()}");
        }
    }

    public void WriteLogTails(int lines = 8)
    {
        foreach (var p in _processes)
        {
            _output?.Invoke($"--- {p} exit {p.ExitCode?.ToString() ?? "running"}, {p.LogPath}:\n{p.LogTail(lines)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        var leaks = await Teardown();
        if (leaks.Count > 0)
        {
            throw new InvalidOperationException("lab teardown left: " + string.Join("; ", leaks));
        }
    }

    /// <summary>Stops every process, sweeps the namespaces, deletes them; returns what is still there (should be nothing).</summary>
    public async Task<IReadOnlyList<string>> Teardown()
    {
        if (_torn)
        {
            return Leaks();
        }

        _torn = true;
        Note("teardown");
        DisposeClients();
        // In parallel: supervisord alone takes about 2 s to wind down its programs.
        await Task.WhenAll(_processes.Select(async process =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var survivors = await process.Stop(TimeSpan.FromSeconds(3));
            if (survivors.Count > 0)
            {
                Note($"{process.Name}: survived SIGKILL of its group: {string.Join("; ", survivors)}");
            }
            else if (clock.ElapsedMilliseconds > 1000)
            {
                Note($"{process.Name} took {clock.ElapsedMilliseconds} ms to stop");
            }
        }));

        var swept = Sweep();
        if (swept.Count > 0)
        {
            _output?.Invoke("swept after the processes were stopped: " + string.Join("; ", swept));
        }

        lock (Open)
        {
            Open.Remove(this);
        }

        var leaks = Leaks();
        Note(leaks.Count == 0 ? "teardown done: no process, namespace or mount left" : $"teardown done, {leaks.Count} things left");
        return leaks;
    }

    /// <summary>What of this lab still exists: processes in its namespaces or naming its run folder, namespaces, mounts.</summary>
    public IReadOnlyList<string> Leaks()
    {
        var ids = _namespaces.Select(n => n.NetId).ToHashSet();
        var leaks = ProcessTable.Snapshot()
            .Where(p => p.Pid != Environment.ProcessId && (ids.Contains(p.NetId) || p.CommandLine.Contains(RunDir, StringComparison.Ordinal)))
            .Select(p => "process " + p)
            .ToList();
        if (Directory.Exists("/run/netns"))
        {
            leaks.AddRange(Directory.GetFiles("/run/netns", Prefix + "*").Select(f => "namespace " + Path.GetFileName(f)));
        }

        leaks.AddRange(File.ReadAllLines("/proc/self/mountinfo")
            .Where(l => l.Contains("/run/netns/" + Prefix, StringComparison.Ordinal))
            .Select(l => "mount " + l));
        return leaks;
    }

    /// <summary>SIGKILL to whatever is in the lab's namespaces, then delete them. Safe to call twice.</summary>
    private List<ProcInfo> Sweep()
    {
        var ids = _namespaces.Select(n => n.NetId).ToHashSet();
        var swept = ProcessTable.Snapshot().Where(p => ids.Contains(p.NetId) && p.Pid != Environment.ProcessId).ToList();
        foreach (var p in swept)
        {
            Native.Signal(p.Pid, Native.SIGKILL);
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && ProcessTable.Snapshot().Any(p => ids.Contains(p.NetId)))
        {
            Thread.Sleep(20);
        }

        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            if (File.Exists(ns.NsPath))
            {
                Shell.Run("ip", "netns", "delete", ns.Namespace);
            }
        }

        return swept;
    }

    private LabHost CreateNamespace(string name, string suffix, string? address)
    {
        var ns = Prefix + suffix;
        Shell.Check("ip", "netns", "add", ns);
        var host = new LabHost(name, ns, address ?? "", Native.NetId("/run/netns/" + ns), $"h{_ports++}");
        _namespaces.Add(host);
        return host;
    }

    private static string SafeName(string name)
    {
        var safe = UnsafeChars().Replace(name.ToLowerInvariant(), "-");
        return safe.Length > 40 ? safe[..40] : safe;
    }

    /// <summary>Namespaces of an earlier test process that no longer runs: whatever runs in them is killed, then they go.</summary>
    private static void RemoveStale(Action<string>? output)
    {
        if (!Directory.Exists("/run/netns"))
        {
            return;
        }

        foreach (var path in Directory.GetFiles("/run/netns", NamePrefix + "*"))
        {
            var name = Path.GetFileName(path);
            var match = StaleName().Match(name);
            if (!match.Success || Directory.Exists("/proc/" + match.Groups[1].Value))
            {
                continue;
            }

            string netId;
            try
            {
                netId = Native.NetId(path);
            }
            catch (IOException)
            {
                Shell.Run("ip", "netns", "delete", name);
                continue;
            }

            var inside = ProcessTable.InNamespace(netId);
            foreach (var p in inside)
            {
                Native.Signal(p.Pid, Native.SIGKILL);
            }

            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline && ProcessTable.InNamespace(netId).Count > 0)
            {
                Thread.Sleep(20);
            }

            Shell.Run("ip", "netns", "delete", name);
            output?.Invoke($"removed stale namespace {name} of a finished test run ({inside.Count} processes killed)");
        }

        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), NamePrefix + "*"))
        {
            var match = StaleName().Match(Path.GetFileName(dir) + "-");
            if (match.Success && !Directory.Exists("/proc/" + match.Groups[1].Value))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [GeneratedRegex("^" + NamePrefix + @"(\d+)-\d+-")]
    private static partial Regex StaleName();

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex UnsafeChars();
}
